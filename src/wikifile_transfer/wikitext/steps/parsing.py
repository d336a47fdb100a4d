# mypy: disable-error-code="no-untyped-call"
# (Builder and the node classes have no annotations; every call here is to them)
"""``parse``: ``mwparserfromhell.parse``, with the same tree built at a third of the cost.

Why: parsing is most of what converting a page costs, and most of parsing is not the tokenizer (C) but
mwparserfromhell's ``Builder`` (Python), and most of that is node constructors: every ``Template``,
``Parameter``, ``Wikilink`` and ``Text`` goes through property setters that call ``parse_anything``,
whose function-level imports cost more than the rest of the node. The builder only ever hands them
``Wikicode`` objects, which ``parse_anything`` returns unchanged.

``_Builder`` is ``Builder`` with its handlers for those four kinds (and headings and comments) written
out with the node's attributes set directly: the same control flow over the tokens, the same calls in
the same order, the same errors, and for each node exactly the attribute values its ``__init__`` would
store (mwparserfromhell 0.7.2, pinned in pyproject.toml). The other kinds (tags, external links,
arguments, entities) go to ``Builder``'s own handlers.

In case another mwparserfromhell stores its nodes differently, the module checks at import that both
builders give the same tree (:func:`shape`, every attribute of every node) for a page with every kind
of node, and uses ``Builder`` when they do not (``FAST`` tells which; a test insists on the fast one).
"""

from __future__ import annotations

from typing import Any, Final

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.parser import Parser, ParserError
from mwparserfromhell.parser import tokens as tk
from mwparserfromhell.parser.builder import Builder
from mwparserfromhell.smart_list import SmartList
from mwparserfromhell.wikicode import Wikicode as Wikicode_

Wikicode = Any  # mwparserfromhell is untyped
Tokens = list[Any]

_new = object.__new__


def tokenize(text: str) -> Tokens:
    """The tokens ``mwparserfromhell.parse(text)`` builds its tree from (context 0, style tags on)."""
    return Parser()._tokenizer.tokenize(text, 0, False)  # type: ignore[no-any-return]


def _code(nodes: list[Any]) -> Wikicode:
    """``Wikicode(SmartList(nodes))``: ``Wikicode.__init__`` stores the list as ``_nodes``."""
    code = _new(Wikicode_)
    code._nodes = SmartList(nodes)
    return code


def _text(value: Any) -> Text:
    """``Text(value)``: the setter stores ``str(value)``."""
    node = _new(Text)
    node._value = str(value)
    return node


class _Builder(Builder):
    """``Builder`` with the common node kinds made without their setters (see the module docstring).
    Each ``_handle_*`` here is ``Builder``'s, line for line, but for how the node is made."""

    def _pop(self) -> Wikicode:
        return _code(self._stacks.pop())

    def _handle_token(self, token: Any) -> Any:
        kind = type(token)
        if kind is tk.Text:
            return _text(token.get("text"))  # Builder: Text(token.text)
        handler = _FAST_HANDLERS.get(kind)
        if handler is not None:
            return handler(self, token)
        return super()._handle_token(token)

    def _handle_parameter(self, default: int) -> Parameter:
        key = None
        showkey = False
        self._push()
        while self._tokens:
            token = self._tokens.pop()
            if isinstance(token, tk.TemplateParamEquals):
                key = self._pop()
                showkey = True
                self._push()
            elif isinstance(token, (tk.TemplateParamSeparator, tk.TemplateClose)):
                self._tokens.append(token)
                value = self._pop()
                if key is None:
                    key = _code([_text(str(default))])
                # Parameter(key, value, showkey): a hidden key is always a number here, so the
                # showkey setter's check (can_hide_key) passes
                param = _new(Parameter)
                param._name = key
                param._value = value
                param._showkey = bool(showkey)
                return param
            else:
                self._write(self._handle_token(token))
        raise ParserError("_handle_parameter() missed a close token")

    def _handle_template(self, token: Any) -> Template:
        name = None
        params: list[Parameter] = []
        default = 1
        self._push()
        while self._tokens:
            token = self._tokens.pop()
            if isinstance(token, tk.TemplateParamSeparator):
                if not params:
                    name = self._pop()
                param = self._handle_parameter(default)
                params.append(param)
                if not param.showkey:
                    default += 1
            elif isinstance(token, tk.TemplateClose):
                if not params:
                    name = self._pop()
                assert name is not None
                template = _new(Template)  # Template(name, params)
                template._name = name
                template._params = params or []
                return template
            else:
                self._write(self._handle_token(token))
        raise ParserError("_handle_template() missed a close token")

    def _handle_wikilink(self, token: Any) -> Wikilink:
        title = None
        self._push()
        while self._tokens:
            token = self._tokens.pop()
            if isinstance(token, tk.WikilinkSeparator):
                title = self._pop()
                self._push()
            elif isinstance(token, tk.WikilinkClose):
                link = _new(Wikilink)  # Wikilink(title, text) or Wikilink(title)
                if title is not None:
                    link._title = title
                    link._text = self._pop()
                else:
                    link._title = self._pop()
                    link._text = None
                return link
            else:
                self._write(self._handle_token(token))
        raise ParserError("_handle_wikilink() missed a close token")

    def _handle_heading(self, token: Any) -> Heading:
        level = token.level
        self._push()
        while self._tokens:
            token = self._tokens.pop()
            if isinstance(token, tk.HeadingEnd):
                title = self._pop()
                value = int(level)  # Heading(title, level): the level setter's check
                if value < 1 or value > 6:
                    raise ValueError(value)
                heading = _new(Heading)
                heading._title = title
                heading._level = value
                return heading
            self._write(self._handle_token(token))
        raise ParserError("_handle_heading() missed a close token")

    def _handle_comment(self, token: Any) -> Comment:
        self._push()
        while self._tokens:
            token = self._tokens.pop()
            if isinstance(token, tk.CommentEnd):
                contents = self._pop()
                comment = _new(Comment)  # Comment(contents): the setter stores str(contents)
                comment._contents = str(contents)
                return comment
            self._write(self._handle_token(token))
        raise ParserError("_handle_comment() missed a close token")


_FAST_HANDLERS: Final = {
    tk.TemplateOpen: _Builder._handle_template,
    tk.WikilinkOpen: _Builder._handle_wikilink,
    tk.HeadingStart: _Builder._handle_heading,
    tk.CommentStart: _Builder._handle_comment,
}


def build(tokens: Tokens) -> Wikicode:
    """The tree of ``tokens`` (a token list from :func:`tokenize`, or consecutive whole nodes of one),
    as ``Builder().build`` makes it; the list is used up."""
    builder = _Builder() if FAST else Builder()
    return builder.build(tokens)


def parse(text: str) -> Wikicode:
    """``mwparserfromhell.parse(text)`` for a text (a str): the same tree, made faster."""
    if not FAST:
        return mwparserfromhell.parse(text)
    return _Builder().build(tokenize(text))


def shape(item: Any) -> object:
    """Everything a tree holds, as nested tuples: two trees are the same when their shapes are equal.
    Read through the nodes' public attributes only."""
    if item is None:
        return None
    if isinstance(item, Wikicode_):
        return (type(item.nodes), tuple(shape(node) for node in item.nodes))
    kind = type(item)
    parts: tuple[object, ...]
    if kind is Text:
        parts = (item.value,)
    elif kind is Template:
        parts = (shape(item.name), tuple((p.showkey, shape(p.name), shape(p.value)) for p in item.params))
    elif kind is Wikilink:
        parts = (shape(item.title), shape(item.text))
    elif kind is Argument:
        parts = (shape(item.name), shape(item.default))
    elif kind is ExternalLink:
        parts = (shape(item.url), shape(item.title), item.brackets, item.suppress_space)
    elif kind is Heading:
        parts = (shape(item.title), item.level)
    elif kind is Comment:
        parts = (item.contents,)
    elif kind is HTMLEntity:
        parts = (item.value, item.named, item.hexadecimal, item.hex_char)
    elif kind is Tag:
        parts = (
            shape(item.tag),
            shape(item.contents),
            tuple(
                (shape(a.name), shape(a.value), a.quotes, a.pad_first, a.pad_before_eq, a.pad_after_eq)
                for a in item.attributes
            ),
            item.wiki_markup,
            item.self_closing,
            item.invalid,
            item.implicit,
            item.padding,
            item.closing_tag is item.tag,
            shape(item.closing_tag),
            item.wiki_style_separator,
            item.closing_wiki_markup,
        )
    else:
        parts = (str(item),)
    return (kind, *parts)


# every kind of node, nested in each other, named and numbered parameters, empty parts
_SAMPLE: Final = (
    "== A {{b|c}} ==\n{{T|x|k = v [[L|t]]|{{{1|d}}}|=|}}\n[[File:F.jpg|thumb|a [[b]] c]] [[x]]\n"
    "<!-- c -->&amp;&#65;&#x41; [http://example.org e] http://example.org/f ''i'' '''b'''\n"
    '<ref name="r">r</ref><br/>\n* l\n{|\n| c\n|}\n=== {{int:filedesc}} ===\n{{a|1=|2}}{{}}'
)


def _same_as_stock() -> bool:
    """Whether ``_Builder`` builds what ``Builder`` builds, here (see the module docstring)."""
    try:
        fast = _Builder().build(tokenize(_SAMPLE))
        return str(fast) == _SAMPLE and shape(fast) == shape(mwparserfromhell.parse(_SAMPLE))
    except (AttributeError, TypeError, ValueError, ParserError):
        return False


FAST: Final = _same_as_stock()
