"""Service discovery: providers that turn config into target groups, and their contract."""

from argus.discovery.file import FileDiscoverer, FileSDError, parse_file
from argus.discovery.http import HTTPDiscoverer, HTTPSDError
from argus.discovery.provider import Discoverer, GroupSet, TargetGroup
from argus.discovery.static import StaticDiscoverer, static_groups
from argus.discovery.watch import GroupWatcher, providers

__all__ = [
    "Discoverer",
    "FileDiscoverer",
    "FileSDError",
    "GroupSet",
    "GroupWatcher",
    "HTTPDiscoverer",
    "HTTPSDError",
    "StaticDiscoverer",
    "TargetGroup",
    "parse_file",
    "providers",
    "static_groups",
]
