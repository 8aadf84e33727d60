"""Exec-time enforcement: the hook, the exec gate, the decision server and the process guard."""
