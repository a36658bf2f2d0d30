"""Graphs in the projection's shape (``kg.projection.legs``) for the explorer tests, and Chromium helpers."""

from __future__ import annotations

import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "</script><script>window.__xss=2</script>"
EVIL_LEG = "leg<img src=x onerror=window.__xss=5>"
XSS_QUOTES = "\"'><svg onload=window.__xss=3>`${window.__xss=4}`\u2028\u2029&amp;"


def chromium_available() -> bool:
    """Debian's Chromium, the only browser these tests use (Playwright's own downloads are not reachable)."""
    return Path(CHROMIUM).is_file()


needs_chromium = pytest.mark.skipif(
    not chromium_available(), reason="Debian's chromium is not installed (/usr/bin/chromium; `make browser`)"
)

# JavaScript: how many pixels of the explorer's canvas are painted (0 on a blank canvas). Read from a copy: repeated
# getImageData on the page's own canvas makes Chromium warn on the console (and move that canvas off the GPU).
PAINTED = """() => {
  const c = document.querySelector('#graph canvas');
  const copy = document.createElement('canvas');
  copy.width = c.width; copy.height = c.height;
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(c, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""
READY = "Boolean(window.aikgExplorer && window.aikgExplorer.ready === true)"


def wait_painted(page: Any, frame: Any, enough: int, seconds: float = 15) -> int:
    """Wait until an embedded explorer (``frame``, inside ``page``) is ready and has painted more than ``enough``
    pixels of its canvas; returns the painted pixels.

    Polled from here: the pages' CSP forbids ``wait_for_function``'s string evaluation. The frames are sandboxed,
    so Chromium treats them as cross-origin and may hold back their animation frames on a loaded machine: the
    explorer has drawn once (``ready``) but its redraw after the canvas was sized waits. If nothing is painted
    within ``seconds``, the test draws once synchronously (``network.redraw()``, what a resize does) and says so,
    so a blank canvas still fails while Chromium's scheduling of hidden frames does not.
    """
    deadline = time.monotonic() + seconds
    while not frame.evaluate(READY):
        assert time.monotonic() < deadline, f"an embedded explorer did not draw within {seconds} s"
        page.wait_for_timeout(50)
    while (painted := frame.evaluate(PAINTED)) <= enough and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    if painted <= enough:
        frame.evaluate("aikgExplorer.network.redraw()")
        painted = frame.evaluate(PAINTED)
        warnings.warn(f"the explorer's canvas was not painted within {seconds} s; after a redraw: {painted} px",
                      stacklevel=2)
    return painted


def source(publisher: str, quote: str, url: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "publisher": publisher,
        "title": extra.get("title", f"{publisher} report"),
        "url": url,
        "seed_file": extra.get("seed_file"),
        "published": extra.get("published", date(2025, 1, 1)),
        "quote": quote,
        "preferred": extra.get("preferred", False),
    }


def add_org(
    G: nx.MultiDiGraph, oid: str, label: str, types: list[str], aliases: list[str] | None = None, **extra: Any
) -> None:
    G.add_node(
        oid,
        label=label,
        types=types,
        aliases=aliases or [],
        parent=extra.get("parent"),
        iri=f"https://aikg.example/org/{oid}",
        wikidata=extra.get("wikidata"),
        lei=extra.get("lei"),
        ticker=extra.get("ticker"),
    )


def add_leg(G: nx.MultiDiGraph, leg: str, u: str, v: str, deal: str, **a: Any) -> None:
    """One deal leg with the contract's attributes; keyword arguments override the defaults."""
    attrs: dict[str, Any] = {
        "deal": deal,
        "deal_iri": f"https://aikg.example/deal/{deal}",
        "title": a.pop("title", deal),
        "kind": "equity_investment",
        "category": "investment",
        "flow": "money",
        "primary": True,
        "status": "closed",
        "evidence": "confirmed",
        "date": date(2024, 1, 1),
        "amount_usd": None,
        "amount_min_usd": None,
        "amount_max_usd": None,
        "approximate": False,
        "native_amount": None,
        "in_cycle": False,
        "sources": [source("Reuters", f"Quote about {deal}.", f"https://news.example/{deal}")],
    }
    attrs.update(a)
    G.add_edge(u, v, key=leg, **attrs)


def sample_graph() -> nx.MultiDiGraph:
    """A small but realistic graph: parallel deals, a 3-party loop, a 2-party loop, a JV, German aliases."""
    G = nx.MultiDiGraph()
    add_org(
        G,
        "microsoft",
        "Microsoft",
        ["big_tech", "cloud_provider"],
        ["Microsoft Corporation", "MSFT"],
        wikidata="Q2283",
        ticker="MSFT",
    )
    add_org(G, "openai", "OpenAI", ["ai_lab"], ["OpenAI Global LLC"], wikidata="Q21708200")
    add_org(G, "nvidia", "Nvidia", ["chip_maker"], ["NVIDIA Corporation"], ticker="NVDA")
    add_org(G, "oracle", "Oracle", ["cloud_provider", "big_tech"], ["Oracle Corporation"])
    add_org(G, "coreweave", "CoreWeave", ["data_center_operator", "cloud_provider"], [])
    add_org(G, "amazon", "Amazon", ["big_tech", "cloud_provider"], ["AWS", "Amazon Web Services"])
    add_org(G, "google", "Google", ["big_tech"], ["Alphabet"], parent=None)
    add_org(G, "anthropic", "Anthropic", ["ai_lab"], ["Anthropic PBC"])
    add_org(G, "softbank", "SoftBank", ["investment_firm"], ["SoftBank Group"])
    add_org(
        G, "mgx", "MGX", ["sovereign_fund"], ["MGX Fund Management", "MGX Fonds für Künstliche Intelligenz"]
    )
    add_org(G, "stargate", "Stargate", ["joint_venture"], ["Stargate LLC"])
    add_org(G, "blackstone", "Blackstone", ["investment_firm"], [])
    add_org(G, "schwarz", "Schwarz Gruppe", ["company"], ["Schwarz-Gruppe", "Lidl-Mutterkonzern"])
    add_org(G, "alephalpha", "Aleph Alpha", ["ai_lab"], ["Aleph Alpha GmbH", "Heilbronner KI-Firma"])
    add_org(G, "telekom", "Deutsche Telekom", ["company"], ["Telekom", "Deutsche Telekom AG"])
    add_org(G, "amd", "AMD", ["chip_maker"], ["Advanced Micro Devices"])
    add_org(G, "mistral", "Mistral AI", ["ai_lab"], [])  # no deals: hidden while "hide isolated" is on

    add_leg(
        G,
        "l-ms-oai-1",
        "microsoft",
        "openai",
        "d-ms-oai-2023",
        title="Microsoft invests in OpenAI",
        amount_usd=10e9,
        date=date(2023, 1, 23),
        sources=[
            source(
                "Microsoft",
                "We are extending our partnership with OpenAI.",
                "https://blogs.example/ms-openai",
                preferred=True,
            ),
            source(
                "Bloomberg",
                "Microsoft to invest $10 billion in OpenAI.",
                None,
                seed_file="000_88ca2f43edb79915.txt",
            ),
        ],
    )
    add_leg(
        G,
        "l-ms-oai-2",
        "openai",
        "microsoft",
        "d-ms-oai-2023",
        title="Microsoft invests in OpenAI",
        flow="equity",
        primary=False,
        amount_usd=10e9,
        date=date(2023, 1, 23),
    )
    add_leg(
        G,
        "l-oai-azure",
        "openai",
        "microsoft",
        "d-oai-azure",
        title="OpenAI commits to Azure",
        kind="compute_commitment",
        category="compute",
        amount_usd=250e9,
        status="announced",
        date=date(2025, 10, 28),
    )
    add_leg(
        G,
        "l-azure-oai",
        "microsoft",
        "openai",
        "d-oai-azure",
        title="OpenAI commits to Azure",
        kind="compute_commitment",
        category="compute",
        flow="compute",
        primary=False,
        status="announced",
        date=date(2025, 10, 28),
    )
    # The three-party loop: Nvidia -> OpenAI -> Oracle -> Nvidia.
    add_leg(
        G,
        "l-nv-oai",
        "nvidia",
        "openai",
        "d-nv-oai",
        title="Nvidia to invest up to $100B in OpenAI",
        amount_max_usd=100e9,
        status="announced",
        date=date(2025, 9, 22),
        in_cycle=True,
        sources=[
            source(
                "Nvidia",
                "Nvidia intends to invest up to $100 billion in OpenAI.",
                "https://nvidianews.example/openai",
            )
        ],
    )
    add_leg(
        G,
        "l-oai-orcl",
        "openai",
        "oracle",
        "d-oai-orcl",
        title="OpenAI–Oracle cloud contract",
        kind="compute_commitment",
        category="compute",
        amount_usd=300e9,
        approximate=True,
        status="committed",
        date=date(2025, 9, 10),
        in_cycle=True,
    )
    add_leg(
        G,
        "l-orcl-nv",
        "oracle",
        "nvidia",
        "d-orcl-nv",
        title="Oracle buys Nvidia GPUs",
        kind="chip_supply",
        category="chips",
        amount_usd=40e9,
        status="committed",
        date=date(2025, 5, 23),
        in_cycle=True,
    )
    # The two-party loop: Nvidia invests in CoreWeave, CoreWeave buys Nvidia chips.
    add_leg(
        G,
        "l-nv-cw",
        "nvidia",
        "coreweave",
        "d-nv-cw",
        title="Nvidia invests in CoreWeave",
        amount_usd=100e6,
        date=date(2023, 4, 20),
        in_cycle=True,
    )
    add_leg(
        G,
        "l-cw-nv",
        "coreweave",
        "nvidia",
        "d-cw-nv",
        title="CoreWeave buys Nvidia GPUs",
        kind="chip_supply",
        category="chips",
        amount_usd=6.3e9,
        status="in_progress",
        date=date(2024, 6, 1),
        in_cycle=True,
    )
    add_leg(
        G,
        "l-bx-cw",
        "blackstone",
        "coreweave",
        "d-bx-cw",
        title="Blackstone-led debt for CoreWeave",
        kind="debt_financing",
        category="debt",
        amount_usd=7.5e9,
        date=date(2024, 5, 17),
    )
    add_leg(
        G,
        "l-amzn-anth",
        "amazon",
        "anthropic",
        "d-amzn-anth",
        title="Amazon invests in Anthropic",
        kind="funding_round",
        amount_usd=8e9,
        date=date(2024, 11, 22),
    )
    add_leg(
        G,
        "l-anth-aws",
        "anthropic",
        "amazon",
        "d-anth-aws",
        title="Anthropic trains on AWS",
        kind="compute_commitment",
        category="compute",
        status="committed",
        date=date(2024, 11, 22),
    )
    add_leg(
        G,
        "l-goog-anth",
        "google",
        "anthropic",
        "d-goog-anth",
        title="Google invests in Anthropic",
        amount_usd=2e9,
        approximate=True,
        evidence="reported",
        date=date(2023, 10, 27),
    )
    partners = (
        ("l-sb-sg", "softbank", 19e9),
        ("l-oai-sg", "openai", 19e9),
        ("l-orcl-sg", "oracle", 7e9),
        ("l-mgx-sg", "mgx", 7e9),
    )
    for leg, u, usd in partners:
        add_leg(
            G,
            leg,
            u,
            "stargate",
            "d-stargate",
            title="Stargate joint venture",
            kind="joint_venture",
            category="joint_venture",
            amount_usd=usd,
            status="projected",
            date=date(2025, 1, 21),
            primary=leg == "l-sb-sg",
        )
    add_leg(
        G,
        "l-sch-aa",
        "schwarz",
        "alephalpha",
        "d-sch-aa",
        title="Aleph Alpha Series B",
        kind="funding_round",
        amount_usd=500e6,
        approximate=True,
        native_amount="EUR 460M",
        date=date(2023, 11, 6),
        evidence="reported",
    )
    add_leg(
        G,
        "l-tel-nv",
        "telekom",
        "nvidia",
        "d-tel-nv",
        title="Industrial AI Cloud in Munich",
        kind="partnership",
        category="compute",
        amount_usd=1.16e9,
        native_amount="EUR 1B",
        status="announced",
        date=date(2025, 11, 4),
    )
    add_leg(
        G,
        "l-oai-amd",
        "openai",
        "amd",
        "d-oai-amd",
        title="OpenAI–AMD GPU agreement",
        kind="chip_supply",
        category="chips",
        status="committed",
        date=date(2025, 10, 6),
    )
    add_leg(
        G,
        "l-amd-oai",
        "amd",
        "openai",
        "d-amd-oai",
        title="AMD warrant for OpenAI",
        kind="warrant",
        category="other",
        flow="equity",
        status="rumoured",
        date=date(2025, 10, 6),
    )
    add_leg(
        G,
        "l-ms-oai-x",
        "microsoft",
        "openai",
        "d-ms-oai-x",
        title="A cancelled follow-on",
        status="cancelled",
        amount_usd=1e9,
        date=date(2024, 3, 1),
    )
    G.graph["cycles"] = [
        {
            "nodes": ["nvidia", "openai", "oracle"],
            "legs": ["l-nv-oai", "l-oai-orcl", "l-orcl-nv"],
            "round_trip_usd": 40e9,
            "label": "Nvidia → OpenAI → Oracle → Nvidia",
        },
        {
            "nodes": ["nvidia", "coreweave"],
            "legs": ["l-nv-cw", "l-cw-nv"],
            "round_trip_usd": 100e6,
            "label": "Nvidia ⇄ CoreWeave",
        },
    ]
    return G


def hostile_graph() -> nx.MultiDiGraph:
    """Markup and quote-breaking strings in every data field the page shows."""
    G = nx.MultiDiGraph()
    add_org(
        G,
        "evil<1>",
        XSS_IMG,
        ["ai_lab"],
        [XSS_SCRIPT, XSS_QUOTES],
        wikidata='Q1"><img src=x onerror=alert(1)>',
        ticker=XSS_IMG,
    )
    add_org(G, "</script>", XSS_SCRIPT, ["company"], [XSS_IMG], parent="evil<1>")
    add_org(G, "plain", "Plain Org", ["big_tech"], [])
    add_leg(
        G,
        EVIL_LEG,
        "evil<1>",
        "</script>",
        "deal</script>",
        title=XSS_SCRIPT + XSS_IMG,
        native_amount=XSS_QUOTES,
        amount_usd=1e9,
        sources=[
            source(
                XSS_IMG,
                XSS_SCRIPT + " " + XSS_IMG + " " + XSS_QUOTES,
                "javascript:window.__xss=6",
                title=XSS_QUOTES,
            ),
            source("Ok", XSS_IMG, 'https://news.example/a?b=<c>&d="e"', title=XSS_IMG),
        ],
    )
    add_leg(G, "leg2", "plain", "evil<1>", "deal2", title=XSS_QUOTES, amount_usd=2e9, in_cycle=True)
    add_leg(G, "leg3", "</script>", "plain", "deal3", title="ok", amount_usd=3e9, in_cycle=True)
    G.graph["cycles"] = [
        {
            "nodes": ["plain", "evil<1>", "</script>"],
            "legs": ["leg2", EVIL_LEG, "leg3"],
            "round_trip_usd": 1e9,
            "label": XSS_IMG + XSS_SCRIPT,
        }
    ]
    return G


class Probe:
    """A page plus everything it did that a test may want to forbid: requests, console errors, dialogs."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Probe:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(
            "window.aikgExplorer && window.aikgExplorer.ready === true", timeout=15000
        )
        return self

    def stats(self) -> dict[str, Any]:
        return self.page.evaluate("aikgExplorer.stats()")

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates (for real mouse clicks)."""
        x, y = self.page.evaluate(
            """(id) => { const n = aikgExplorer.network;
                         const p = n.canvasToDOM(n.getPositions([id])[id]);
                         const r = document.querySelector('#graph canvas').getBoundingClientRect();
                         return [r.left + p.x, r.top + p.y]; }""",
            node_id,
        )
        return x, y

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path
