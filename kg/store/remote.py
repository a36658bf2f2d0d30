"""A remote store: any SPARQL 1.1 Protocol endpoint, and the Graph Store Protocol for pushing."""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.store.base import _COUNT_ALL, Binding, QueryResult, StoreError, _csv_table, _result_from, bind_with_values

if TYPE_CHECKING:
    import pandas as pd

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (Oxigraph, Virtuoso, Fuseki, QLever, GraphDB, aikg serve, ...)."""

    def __init__(
        self, endpoint_url: str, *, timeout_s: float = 60.0, headers: Mapping[str, str] | None = None
    ) -> None:
        if urllib.parse.urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise ValueError("the endpoint URL must be http(s)")
        self.endpoint_url = endpoint_url
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})

    def _request(self, url: str, data: bytes | None, headers: dict[str, str], method: str):
        request = urllib.request.Request(url, data=data, headers={**self.headers, **headers}, method=method)
        return urllib.request.urlopen(request, timeout=self.timeout_s)  # scheme checked in __init__

    @contextlib.contextmanager
    def _talking(self, what: str, url: str) -> Iterator[None]:
        """A failure of the exchange inside as one line: what was asked, of which URL, and why it failed."""
        try:
            yield
        except urllib.error.HTTPError as exc:
            body = exc.read(2000).decode("utf-8", "replace").strip()
            said = ": " + " ".join(body.splitlines()[0].split())[:300] if body else ""
            raise StoreError(f"cannot {what} {url}: it answered {exc.code} {exc.reason}{said}", exc.code) from None
        except urllib.error.URLError as exc:
            raise StoreError(f"cannot {what} {url}: {self._why(exc.reason)}") from None
        except (OSError, http.client.HTTPException) as exc:  # a timeout or a dropped connection while reading
            raise StoreError(f"cannot {what} {url}: {self._why(exc)}") from None

    def _why(self, reason: object) -> str:
        if isinstance(reason, TimeoutError):
            return f"no answer within {self.timeout_s:g} s"
        if isinstance(reason, OSError) and reason.strerror:
            return reason.strerror[0].lower() + reason.strerror[1:]
        return str(reason) or type(reason).__name__

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """POST ``sparql`` (with ``bindings`` as a VALUES block) and parse the answer."""
        params = [("query", bind_with_values(sparql, bindings or {}))]
        params += [("default-graph-uri", g) for g in default_graph_uris or ()]
        params += [("named-graph-uri", g) for g in named_graph_uris or ()]
        with self._talking("query", self.endpoint_url), self._post(params, _ACCEPT) as response:
            body = response.read()
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            truncated = response.headers.get("X-aikg-truncated", "").lower() == "true"
        if media in ("application/sparql-results+json", "application/json"):
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if not truncated and b"urn:aikg:truncated" in body[:4096]:
                truncated = "urn:aikg:truncated" in json.loads(body).get("head", {}).get("link", [])
        elif media == "application/sparql-results+xml":
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        elif media == "text/tab-separated-values":
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
        elif media in ("application/n-triples", "text/turtle", "text/plain"):
            fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
            answer = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, fmt)]
        else:
            raise StoreError(f"unexpected response type {media!r} from {self.endpoint_url}")
        return _result_from(answer, truncated)

    def table(self, sparql: str) -> pd.DataFrame:
        with self._talking("query", self.endpoint_url), self._post([("query", sparql)], "text/csv") as response:
            body = response.read()
        return _csv_table(body)

    def _post(self, params: list[tuple[str, str]], accept: str):
        """A query by URL-encoded POST: the form every SPARQL 1.1 server takes (Virtuoso 7 does not answer
        a query POSTed directly as ``application/sparql-query``). Parameters in the endpoint URL (such as
        ``default-graph-uri``) stay there."""
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": accept}
        return self._request(self.endpoint_url, urllib.parse.urlencode(params).encode("ascii"), headers, "POST")

    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""
        rows = self.query(_COUNT_ALL).rows
        return int(rows[0][0]) if rows else 0

    def push(self, endpoint_gsp_url: str, ntriples_path: Path, *, replace: bool = True) -> None:
        """Send an N-Triples file to the default graph through the Graph Store Protocol:
        PUT (replace the graph) or POST (add to it). The file is streamed, not read into memory."""
        path = Path(ntriples_path)
        if urllib.parse.urlsplit(endpoint_gsp_url).scheme not in ("http", "https"):
            raise ValueError("the Graph Store URL must be http(s)")
        url = endpoint_gsp_url
        if not urllib.parse.urlsplit(url).query:
            url += "?default"  # GSP: the default graph
        headers = {"Content-Type": "application/n-triples", "Content-Length": str(path.stat().st_size)}
        with (
            open(path, "rb") as stream,
            self._talking("send the graph to", url),
            contextlib.closing(
                self._request(url, stream, headers, "PUT" if replace else "POST")  # type: ignore[arg-type]
            ) as response,
        ):
            response.read()
