"""`aikg sparql`, `query --endpoint` and `push` on the command line: every SPARQL error one readable line
with its position and a caret, every answer form printed (ASK, CONSTRUCT, DESCRIBE), every network
failure one line of what, where and why, with a non-zero exit and no traceback."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator

import pytest
import rdflib
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.store import RemoteStore, StoreError
from kg.store.syntax import SparqlSyntaxError, describe


def run(graph: kg.KnowledgeGraph, *args: str):
    return CliRunner().invoke(main, [*args, "--data", str(graph.data), "--out", str(graph.out)])


# --- syntax errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "column", "reason"), [
    ("SELEC ?x WHERE { ?x ?p ?o }", 1, 1, "unexpected 'SELEC'"),
    ("SELECT ?x WHERE { ?x a foo:Deal }", 1, 24, "prefix 'foo:' is not declared"),
    ("SELECT ?d WHERE { ?d a aikg:Deal ; foo:bar ?x }", 1, 36, "prefix 'foo:' is not declared"),
    ("SELECT ?x WHERE {\n  ?x ?p ?o .\n  ?x ?q }", 3, 3, "unexpected '?x'"),
    ("SELECT * WHERE { ?x ?p ?o } }", 1, 29, "unexpected '}'"),
    ("SELECT ?x WHERE { ?x ?p ?o } GROUP BY ?z", 1, 41, "the SELECT contains a variable that is unbound"),
])
def test_a_syntax_error_is_one_line_with_its_position_and_a_caret(real_graph, text, line, column, reason) -> None:
    result = run(real_graph, "sparql", text)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    message, quoted, caret = result.stderr.splitlines()
    assert message.startswith(f"error: SPARQL syntax error at line {line}, column {column}: {reason}")
    assert quoted == f"{line:>3} | {text.splitlines()[line - 1]}"
    assert caret.index("^") - caret.index("|") - 2 == column - 1


def test_oxigraph_messages_lose_their_token_lists() -> None:
    raw = ("error at 1:26: expected one of LATERAL, SERVICE, [_], ['-' | '0' ..= '9' | '\\u{00B7}'], "
           "Prefix not found")
    error = describe("SELECT ?x WHERE { ?x ?p }", raw)
    assert "[_]" not in str(error) and "LATERAL" not in str(error)
    assert (error.line, error.column) == (1, 19)  # where the triple that stops short begins


def test_the_python_api_raises_the_same_error_with_positions_in_the_users_text(real_graph) -> None:
    with pytest.raises(SparqlSyntaxError) as info:
        real_graph.sparql("SELECT ?x\nWHERE { ?x a nope:Deal }")
    assert (info.value.line, info.value.column) == (2, 14)  # not shifted by the declared prefixes
    assert info.value.text == "SELECT ?x\nWHERE { ?x a nope:Deal }"


# --- answers of every form -------------------------------------------------------------------------------------


def test_the_ontology_prefixes_need_no_prefix_lines_and_a_declared_one_wins(real_graph) -> None:
    result = run(real_graph, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?d a aikg:Deal }", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["n"] == 172
    result = run(real_graph, "sparql", "PREFIX aikg: <urn:x#> SELECT (COUNT(*) AS ?n) WHERE { ?d a aikg:Deal }",
                 "--format", "json")
    assert json.loads(result.stdout)[0]["n"] == 0


def test_ask_prints_true_or_false_and_exits_0(real_graph) -> None:
    yes = run(real_graph, "sparql", "ASK { ?d a aikg:Deal ; aikg:recordId 'openai-aws-2025' }")
    no = run(real_graph, "sparql", "ASK { ?d a aikg:Deal ; aikg:recordId 'no-such-deal' }")
    assert (yes.exit_code, yes.stdout, no.exit_code, no.stdout) == (0, "true\n", 0, "false\n")
    assert json.loads(run(real_graph, "sparql", "ASK {}", "--format", "json").stdout) == {"boolean": True}


@pytest.mark.parametrize(("fmt", "rdflib_format"), [(None, "turtle"), ("ttl", "turtle"), ("nt", "nt"),
                                                    ("jsonld", "json-ld")])
def test_construct_and_describe_print_rdf_that_parses_back(real_graph, fmt, rdflib_format) -> None:
    text = "CONSTRUCT { ?d aikg:currentStatus ?s } WHERE { ?d a aikg:Deal ; aikg:currentStatus ?s }"
    result = run(real_graph, "sparql", text, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 0, result.output
    parsed = rdflib.Graph().parse(data=result.stdout, format=rdflib_format)
    assert len(parsed) == 172
    deal = rdflib.URIRef("https://w3id.org/aikg/id/deal/openai-aws-2025")
    assert str(parsed.value(deal, rdflib.URIRef("https://w3id.org/aikg/ontology#currentStatus"))) == "committed"
    described = run(real_graph, "sparql", f"DESCRIBE <{deal}>", *(["--format", fmt] if fmt else []))
    assert (deal, None, None) in rdflib.Graph().parse(data=described.stdout, format=rdflib_format)


def test_a_format_of_the_other_form_is_refused(real_graph) -> None:
    assert run(real_graph, "sparql", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "--format", "csv").exit_code == 2
    assert run(real_graph, "sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "ttl").exit_code == 2


# --- network failures ------------------------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Answers(http.server.BaseHTTPRequestHandler):
    """404 for every request, 400 under /bad (as an endpoint refuses a query), no answer at all under /slow."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/slow"):
            self.server.release.wait(5)  # type: ignore[attr-defined]
            return
        if self.path.startswith("/bad"):
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b"query syntax error at line 2, column 1")
            return
        self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"no such service\nsecond line")

    do_PUT = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    httpd.release = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.release.set()  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("command", [["push", "--endpoint"], ["query", "deals_of_org", "--endpoint"],
                                     ["sparql", "ASK {}", "--endpoint"]])
def test_an_unreachable_endpoint_is_one_line_and_exit_1(real_graph, closed_port, command) -> None:
    url = f"http://127.0.0.1:{closed_port}/x"
    result = run(real_graph, *command, url)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"error: cannot {'send the graph to' if command[0] == 'push' else 'query'} "
                                          f"{url}{'?default' if command[0] == 'push' else ''}: connection refused"]


def test_an_endpoint_that_refuses_or_stalls_says_so(real_graph, server) -> None:
    result = run(real_graph, "push", "--endpoint", server + "/store")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: cannot send the graph to {server}/store?default: it answered 404 " \
                                    "Not Found: no such service"
    with pytest.raises(StoreError, match=r"^cannot query .*/slow: no answer within 0.3 s$"):
        RemoteStore(server + "/slow", timeout_s=0.3).query("ASK {}")


def test_a_query_an_endpoint_refuses_is_placed_in_the_users_lines(real_graph, server) -> None:
    result = run(real_graph, "sparql", "SELECT ?x\nWHERE { ?x ?p }", "--endpoint", server + "/bad")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: SPARQL syntax error at line 2, column 9: unexpected '?x'"
    result = run(real_graph, "sparql", "SELECT * WHERE { ?x ?p ?o }", "--endpoint", server + "/bad")
    assert result.exit_code == 1  # nothing wrong here: the endpoint's own answer stands
    assert "it answered 400 Bad Request: query syntax error at line 2, column 1" in result.stderr


def test_load_with_an_unreachable_endpoint_raises_one_line(closed_port) -> None:
    graph = kg.load(endpoint=f"http://127.0.0.1:{closed_port}/query")
    with pytest.raises(StoreError) as info:
        graph.query("investors_in", org="openai")
    assert str(info.value) == f"cannot query http://127.0.0.1:{closed_port}/query: connection refused"
