"""Security profiles: the model, loading with schema validation, `extends` merging and ranking."""

from .errors import ProfileError, UnknownProfileError
from .loader import build_catalog, get_profile, load_catalog
from .model import ExecRules, Profile, ShellRules

__all__ = [
    "ExecRules",
    "Profile",
    "ProfileError",
    "ShellRules",
    "UnknownProfileError",
    "build_catalog",
    "get_profile",
    "load_catalog",
]
