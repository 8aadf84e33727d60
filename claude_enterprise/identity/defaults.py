"""JWKS defaults shared by the settings (imported on every resolution) and the fetcher (only with a token)."""

DEFAULT_TIMEOUT_S = 2.0  # an unreachable issuer must not stall a tool call
DEFAULT_MAX_AGE_S = 24 * 3600  # refetch the issuer's keys daily (and at once for an unknown kid)
