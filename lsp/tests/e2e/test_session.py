"""A full editing session against the real `csflow lsp` binary over stdio, through
pytest-lsp (a real LSP client): open, edit, see diagnostics, code actions, complete, hover,
outline, go to definition across files, rename (and a refused rename), format, then shut down and
format, exit cleanly. Run by scripts/ci.d/lsp.check.sh.

CSFLOW_BIN names the binary (default: target/debug/csflow of this repository)."""

import asyncio
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
CSFLOW = os.environ.get("CSFLOW_BIN", str(REPO / "target" / "debug" / "csflow"))
FIXTURE = HERE.parent / "fixtures" / "bank"

WORKSPACE = pathlib.Path(tempfile.mkdtemp(prefix="csflow-lsp-e2e-")).resolve()
shutil.copytree(FIXTURE, WORKSPACE, dirs_exist_ok=True)
BANK = (WORKSPACE / "bank.csflow").as_uri()
COMMON = (WORKSPACE / "common.csflow").as_uri()


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording each publication's version and accepting the
    server's file-watcher registration."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.versions[params.uri] = params.version

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    def register(client: LanguageClient, params: types.RegistrationParams):
        return None

    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    client.versions = {}
    return client


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[CSFLOW, "lsp"], client_factory=make_client)
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(
                    position_encodings=[types.PositionEncodingKind.Utf16]
                ),
                text_document=types.TextDocumentClientCapabilities(
                    completion=types.CompletionClientCapabilities(
                        completion_item=types.ClientCompletionItemOptions(snippet_support=True)
                    )
                ),
            ),
            root_uri=WORKSPACE.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=WORKSPACE.as_uri(), name="bank")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, uri: str, version: int):
    """Waits until the server has published diagnostics for `uri` at `version`."""
    for _ in range(200):
        published = client.diagnostics.get(uri)
        if published is not None and client.versions.get(uri) == version:
            return list(published)
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout=20
        )
    raise AssertionError(f"no diagnostics for {uri} at version {version}")


def position_of(text: str, needle: str, offset: int = 0) -> types.Position:
    at = text.index(needle) + offset
    line = text.count("\n", 0, at)
    line_start = text.rfind("\n", 0, at) + 1
    column = len(text[line_start:at].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


async def test_edit_session(client: LanguageClient):
    text = (WORKSPACE / "bank.csflow").read_text(encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=BANK, language_id="csflow", version=1, text=text)
        )
    )
    assert await diagnostics_for(client, BANK, 1) == []

    # Type a goto to a state that does not exist (after Chinese text and an emoji).
    start = position_of(text, "goto main_menu", 5)
    end = types.Position(line=start.line, character=start.character + 9)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=BANK, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=end), text="main_menuu"
                )
            ],
        )
    )
    published = await diagnostics_for(client, BANK, 2)
    # The typo is reported, and the state it was meant to name is now unreachable (the
    # graph checks keep running past an unknown name, and say which state it probably meant).
    assert sorted(d.code for d in published) == ["unknown-state", "unreachable-state"], published
    diagnostic = next(d for d in published if d.code == "unknown-state")
    unreachable = next(d for d in published if d.code == "unreachable-state")
    assert any("main_menu" in r.message for r in unreachable.related_information or []), unreachable
    assert diagnostic.range.start == start
    assert diagnostic.code_description.href.endswith("checks.md#unknown-state")
    assert "did you mean `main_menu`?" in diagnostic.message

    # The quick fix offered there creates the missing state.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    titles = [a.title for a in actions]
    assert "create the missing state `main_menuu`" in titles, titles

    # Completion after `goto ` lists the flow's states, with their first prompt.
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=BANK), position=start)
    )
    labels = [i.label for i in (items.items if hasattr(items, "items") else items)]
    assert "main_menu" in labels and "goodbye" in labels, labels

    # Hover on a slot's definition: its type and sensitivity.
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            position=position_of(text, "slot card_last4", 6),
        )
    )
    assert "digits(4)" in hover.contents.value and "Sensitive" in hover.contents.value

    # The outline of another file of the project, never opened.
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=COMMON))
    )
    assert [s.name for s in symbols][:3] == ["office", "general", "care"], symbols

    # Go to definition across files: the queue of a hand-off is declared in common.csflow.
    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            position=position_of(text, "handoff general reason", 9),
        )
    )
    assert definition.uri == COMMON and definition.range.start.line == 7, definition

    # Rename the state card_services: its definition, the option that leads there and the
    # test that expects it, across two files.
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            position=position_of(text, "state card_services", 8),
        )
    )
    assert prepared.placeholder == "card_services", prepared
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            position=position_of(text, "state card_services", 8),
            new_name="card_menu",
        )
    )
    edited = {uri: len(edits) for uri, edits in edit.changes.items()}
    assert edited == {BANK: 2, (WORKSPACE / "bank.test.csflow").as_uri(): 1}, edited

    # A rename to a reserved word is refused with a message.
    with pytest.raises(Exception, match="reserved word"):
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=BANK),
                position=position_of(text, "state card_services", 8),
                new_name="matches",
            )
        )

    # Fix the typo: the error goes away.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=BANK, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    assert await diagnostics_for(client, BANK, 3) == []

    # Format a messy version: the edits give exactly what `csflow fmt --stdin` prints.
    messy = text.replace("  state goodbye {\n", "\n\n\n  state   goodbye{  # 再见 👋\n")
    assert messy != text
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=BANK, version=4),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=messy)],
        )
    )
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=BANK),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert edits, "a messy document gets edits"
    expected = subprocess.run(
        [CSFLOW, "fmt", "--stdin"], input=messy.encode(), capture_output=True, check=True
    ).stdout.decode()
    assert apply_edits(messy, edits) == expected
    assert "state goodbye {" in expected and "# 再见 👋" in expected, expected


def offset_of(text: str, position: types.Position) -> int:
    """The string index of an LSP position (UTF-16 columns)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    if position.line >= len(lines):
        return len(text)
    line = lines[position.line]
    units = 0
    for i, ch in enumerate(line):
        if units >= position.character:
            return start + i
        units += len(ch.encode("utf-16-le")) // 2
    return start + len(line)


def apply_edits(text: str, edits) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset_of(text, edit.range.start), offset_of(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def test_shutdown_and_exit_cleanly():
    """`shutdown` then `exit`: the process ends with status 0."""
    def message(body: str) -> bytes:
        data = body.encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)

    payload = (
        message('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}')
        + message('{"jsonrpc":"2.0","method":"initialized","params":{}}')
        + message('{"jsonrpc":"2.0","id":2,"method":"shutdown"}')
        + message('{"jsonrpc":"2.0","method":"exit"}')
    )
    done = subprocess.run([CSFLOW, "lsp"], input=payload, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert b'"id":2' in done.stdout
