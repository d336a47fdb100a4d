"""Rule sets for the wikitext pipeline: the shared model, three loaders and the safe regex engine.

* ``parse_ftcg`` — For the Common Good local-wiki-data files;
* ``parse_commonshelper`` — CommonsHelper2 / FileImporter rule pages (``rulepage`` reads them from a wiki,
  cached by revision id);
* ``load_rules_file`` / ``bundled_rules`` — the project's own TOML format and the rules shipped with it;
* ``compile_rule`` / ``SafeRegex`` — every rule regex runs on RE2 (linear time), never on a backtracking
  engine.
"""

from wikifile_transfer.wikitext.rules.commonshelper import (
    RulePageMissingError,
    RuleSyntaxError,
    parse_commonshelper,
    rule_page_title,
)
from wikifile_transfer.wikitext.rules.ftcg import FtcgData, parse_ftcg, parse_ftcg_data
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ParamRule,
    ProblemRule,
    RegexRule,
    RuleError,
    RuleSet,
    TransferRule,
    name_key,
)
from wikifile_transfer.wikitext.rules.ownformat import (
    RuleFormatError,
    bundled_rules,
    load_rules_file,
    parse_rules_toml,
)
from wikifile_transfer.wikitext.rules.saferegex import (
    RegexInputTooLargeError,
    SafeMatch,
    SafeRegex,
    compile_rule,
    escape_replacement,
    translate_dotnet,
)

__all__ = [
    "FtcgData",
    "InformationNames",
    "ParamRule",
    "ProblemRule",
    "RegexInputTooLargeError",
    "RegexRule",
    "RuleError",
    "RuleFormatError",
    "RulePageMissingError",
    "RuleSet",
    "RuleSyntaxError",
    "SafeMatch",
    "SafeRegex",
    "TransferRule",
    "bundled_rules",
    "compile_rule",
    "escape_replacement",
    "load_rules_file",
    "name_key",
    "parse_commonshelper",
    "parse_ftcg",
    "parse_ftcg_data",
    "parse_rules_toml",
    "rule_page_title",
    "translate_dotnet",
]
