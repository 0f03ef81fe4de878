"""Recording and alerting rules: load, evaluate on schedule, store, and notify.

Exception tree (see :mod:`argus.rules.errors`)::

    RuleError
    ├── RuleFileError
    ├── RuleEvalError
    └── TemplateError
        ├── TemplateParseError
        └── TemplateExecError
"""

from argus.rules.alerting import Alert, AlertingRule, AlertState
from argus.rules.build import build_group
from argus.rules.errors import RuleError, RuleEvalError, RuleFileError
from argus.rules.group import Group, GroupMetrics, Rule
from argus.rules.load import (
    GroupSpec,
    RuleSpec,
    expand_rule_files,
    load_rule_file,
    parse_rule_file,
)
from argus.rules.manager import AlertSender, ManagerOptions, RuleManager
from argus.rules.metrics import rule_metrics
from argus.rules.recording import RecordingRule
from argus.rules.restore import restore_for_state
from argus.rules.rule import EvalSample, QueryFunc, RuleHealth, RuleStatus, engine_query_func
from argus.rules.template import TemplateError, TemplateExecError, TemplateParseError

__all__ = [
    "Alert",
    "AlertSender",
    "AlertState",
    "AlertingRule",
    "EvalSample",
    "Group",
    "GroupMetrics",
    "GroupSpec",
    "ManagerOptions",
    "QueryFunc",
    "RecordingRule",
    "Rule",
    "RuleError",
    "RuleEvalError",
    "RuleFileError",
    "RuleHealth",
    "RuleManager",
    "RuleSpec",
    "RuleStatus",
    "TemplateError",
    "TemplateExecError",
    "TemplateParseError",
    "build_group",
    "engine_query_func",
    "expand_rule_files",
    "load_rule_file",
    "parse_rule_file",
    "restore_for_state",
    "rule_metrics",
]
