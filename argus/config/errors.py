"""The config package's one exception: what is wrong, where (field path and YAML line).

::

    ValueError
     └── ConfigError          file, line, field path ("scrape_configs[0].scrape_timeout")
"""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """A prometheus.yml (or a file it names) is invalid.

    ``path`` is the field in dotted form with list indexes, ``line`` the 1-based YAML
    line of that field (``None`` when unknown), ``source`` the file name.
    """

    def __init__(
        self, message: str, *, path: str = "", line: int | None = None, source: str = ""
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.source = source
        super().__init__(message)

    def __str__(self) -> str:
        where = self.source or "<config>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"
