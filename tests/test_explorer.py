"""The explorer without a browser: escaping, offline page, view data for filters, aggregation."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import date

import networkx as nx
import pytest
from browser_support import (
    EVIL_LEG,
    XSS_IMG,
    XSS_QUOTES,
    XSS_SCRIPT,
    add_leg,
    add_org,
    hostile_graph,
    sample_graph,
)
from markupsafe import escape

from kg.views import explorer_html_for_notebook, render_explorer, write_explorer
from kg.views.assets import vis_assets
from kg.views.explorer_data import build_view, layout, node_flows
from kg.views.formatting import embed_json, format_amount, safe_url

DATA_SCRIPT = re.compile(r'<script type="application/json" id="aikg-data">(.*?)</script>', re.DOTALL)


def embedded(page: str) -> dict:
    match = DATA_SCRIPT.search(page)
    assert match, "no data script"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def sample_page() -> str:
    return render_explorer(sample_graph())


# --- offline and self-contained ---------------------------------------------------------------------------


def test_page_is_self_contained(sample_page: str) -> None:
    assert sample_page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", sample_page, re.IGNORECASE)
    assert "<link" not in sample_page.lower()
    assert "@import" not in sample_page
    assert "cdnjs" not in sample_page and "jsdelivr" not in sample_page
    # vis-network is inlined from the pyvis package, and a CSP forbids any fetch.
    assets = vis_assets()
    assert assets.source_dir.parent.parent.name == "pyvis"
    assert assets.js[:2000] in sample_page
    assert f"vis-network {assets.version}" in sample_page
    assert "default-src 'none'" in sample_page
    # Our three script elements (core-js in the bundle spells "<script>" in a string; fine without "<!--").
    assert sample_page.replace(assets.js, "").count("<script") == 3


def test_vis_bundle_cannot_end_its_script_element() -> None:
    assets = vis_assets()
    assert "</script" not in assets.js.lower()
    assert "<!--" not in assets.js
    assert "</style" not in assets.css.lower()
    assert "\r" not in assets.js


def test_csp_hashes_match_the_inline_scripts(sample_page: str) -> None:
    import base64
    import hashlib

    policy = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', sample_page).group(1))
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    scripts = re.findall(r"<script>(.*?)</script>", sample_page, re.DOTALL)
    assert len(scripts) == 2
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert digest in allowed


def test_write_explorer_writes_utf8(tmp_path) -> None:
    path = write_explorer(sample_graph(), tmp_path / "deep" / "x.html")
    raw = path.read_bytes()
    assert "Künstliche".encode() in raw
    assert raw.decode("utf-8").startswith("<!DOCTYPE html>")


# --- escaping ---------------------------------------------------------------------------------------------


def test_embed_json_escapes_markup_and_line_separators() -> None:
    value = {"a": XSS_SCRIPT, "b": XSS_IMG, "c": XSS_QUOTES, "<k>": "&"}
    text = embed_json(value)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == value


def test_hostile_strings_never_reach_markup() -> None:
    page = render_explorer(hostile_graph(), title=XSS_SCRIPT + XSS_IMG)
    body = DATA_SCRIPT.search(page).group(1)
    assert "<" not in body and ">" not in body and "&" not in body
    # The only script elements are ours; the only end tags are theirs.
    assert page.lower().count("</script") == 3
    assert "<img" not in page.lower()
    assert "<svg onload" not in page.lower()
    assert f"<title>{escape(XSS_SCRIPT + XSS_IMG)}</title>" in page
    data = embedded(page)
    assert data["orgs"]["evil<1>"]["label"] == XSS_IMG
    assert data["orgs"]["evil<1>"]["aliases"] == [XSS_SCRIPT, XSS_QUOTES]
    assert any(e["id"] == EVIL_LEG for e in data["edges"])


def test_only_http_urls_survive() -> None:
    view = build_view(hostile_graph())
    urls = [s["url"] for d in view.deals for s in d["sources"]]
    assert None in urls  # the javascript: URL was dropped, the source kept
    assert all(u is None or u.startswith("https://") for u in urls)
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JAVASCRIPT:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("//evil.example/x") is None
    assert safe_url("https://ok.example/a b") is None
    assert safe_url("http://ok.example/path?q=1") == "http://ok.example/path?q=1"


def test_standalone_notebook_output_is_an_escaped_srcdoc_iframe() -> None:
    wrapped = explorer_html_for_notebook(hostile_graph(), height=500, standalone=True)
    markup = wrapped._repr_html_()
    assert markup.startswith('<iframe srcdoc="') and markup.endswith("></iframe>")
    srcdoc = re.match(r'<iframe srcdoc="([^"]*)"', markup).group(1)
    assert "<" not in srcdoc and ">" not in srcdoc
    assert html.unescape(srcdoc) == wrapped.html
    assert 'sandbox="allow-scripts' in markup and "allow-same-origin" not in markup


# --- view data --------------------------------------------------------------------------------------------


def test_every_leg_and_organisation_is_in_the_data(sample_page: str) -> None:
    G = sample_graph()
    data = embedded(sample_page)
    assert {n["id"] for n in data["nodes"]} == set(G.nodes)
    assert {e["id"] for e in data["edges"]} == {k for _u, _v, k in G.edges(keys=True)}
    assert len(data["deals"]) == len({d for *_x, d in G.edges(data="deal")})


def test_edges_carry_what_the_filters_need() -> None:
    view = build_view(sample_graph())
    edge = {e["id"]: e for e in view.edges}
    nv = edge["l-nv-oai"]
    assert (nv["k"], nv["s"], nv["c"], nv["a"], nv["p"]) == (
        "equity_investment",
        "announced",
        "investment",
        100_000_000_000,
        True,
    )
    assert nv["t"] == (date(2025, 9, 22) - date(1970, 1, 1)).days
    assert nv["dashes"] and nv["cy"] and nv["shadow"]["enabled"]
    assert nv["amt"] == "up to $100B"
    assert "dashes" not in edge["l-ms-oai-1"]  # closed: solid
    assert edge["l-ms-oai-x"]["dashes"] == [2, 5]  # cancelled: dotted
    assert edge["l-ms-oai-2"]["p"] is False  # the equity leg of a deal whose money leg is drawn
    assert all(edge[k]["p"] for k in ("l-sb-sg", "l-oai-sg", "l-orcl-sg", "l-mgx-sg"))  # every JV partner
    assert edge["l-oai-orcl"]["width"] > edge["l-nv-cw"]["width"] > 1.0
    assert edge["l-oai-amd"]["a"] is None and edge["l-oai-amd"]["width"] == 1.0


def test_parallel_edges_curve_apart() -> None:
    view = build_view(sample_graph())
    pair = [e for e in view.edges if {e["from"], e["to"]} == {"microsoft", "openai"}]
    assert len(pair) == 5
    roundness = [e["smooth"]["roundness"] for e in pair]
    assert all(e["smooth"]["type"] == "curvedCW" for e in pair)
    assert len(set(roundness)) == len(pair) and max(roundness) <= 0.9
    single = next(e for e in view.edges if e["id"] == "l-bx-cw")
    assert "smooth" not in single


def test_nodes_are_coloured_by_type_and_sized_by_flow() -> None:
    view = build_view(sample_graph())
    node = {n["id"]: n for n in view.nodes}
    assert node["openai"]["grp"] == "ai_lab" and node["microsoft"]["grp"] == "big_tech"
    assert node["openai"]["color"]["background"] != node["nvidia"]["color"]["background"]
    assert node["openai"]["size"] > node["alephalpha"]["size"] > node["mistral"]["size"]
    assert node["nvidia"]["borderWidth"] == 3  # in a loop
    flows = node_flows(sample_graph())
    assert flows["microsoft"] == pytest.approx(10e9 + 250e9 + 1e9)  # each deal once, not once per leg


def test_config_lists_filters_and_initial_state() -> None:
    view = build_view(
        sample_graph(),
        focus="Lidl-Mutterkonzern",
        depth=3,
        as_of="2024-06-30",
        kinds=["funding_round"],
        statuses=["closed", "committed"],
    )
    cfg = view.config
    assert cfg["initial"] == {
        "focus": "schwarz",
        "depth": 3,
        "as_of_day": (date(2024, 6, 30) - date(1970, 1, 1)).days,
        "kinds": ["funding_round"],
        "statuses": ["closed", "committed"],
        "shown": None,  # a small graph opens on every organisation
    }
    assert [k["code"] for k in cfg["kinds"]][:2] == ["equity_investment", "funding_round"]
    assert {s["code"] for s in cfg["statuses"]} == {
        "rumoured",
        "announced",
        "committed",
        "closed",
        "in_progress",
        "projected",
        "cancelled",
    }
    assert cfg["min_day"] == (date(2023, 1, 23) - date(1970, 1, 1)).days
    assert cfg["types"][0]["code"] == "ai_lab"
    assert sum(c["count"] for c in cfg["categories"]) == sum(1 for e in view.edges if e["p"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": ["bribe"]}, "unknown deal kinds"),
        ({"statuses": ["maybe"]}, "unknown statuses"),
        ({"depth": 4}, "depth"),
        ({"focus": "nobody"}, "unknown organisation .nobody."),
        ({"as_of": "soon"}, "as_of"),
        ({"max_nodes": 3}, "max_nodes"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_view(sample_graph(), **kwargs)


def test_deal_details_have_sources_with_quotes() -> None:
    view = build_view(sample_graph())
    deal = next(d for d in view.deals if d["id"] == "d-ms-oai-2023")
    assert deal["amount"] == "$10B" and deal["date"] == "2023-01-23" and deal["status"] == "closed"
    assert [s["publisher"] for s in deal["sources"]] == [
        "Microsoft",
        "Bloomberg",
        "Reuters",
    ]  # preferred first
    assert deal["sources"][1]["url"] is None and deal["sources"][1]["seed_file"] == "000_88ca2f43edb79915.txt"
    assert deal["sources"][0]["quote"] == "We are extending our partnership with OpenAI."
    assert len(deal["legs"]) == 2
    assert view.orgs["openai"]["deals"]
    assert view.cycles[0]["edges"] == ["l-nv-oai", "l-oai-orcl", "l-orcl-nv"]
    assert view.cycles[0]["round_trip"] == "$40B"


@pytest.mark.parametrize(
    ("leg", "expected"),
    [
        ({"amount_usd": 1.3e9}, "$1.3B"),
        ({"amount_usd": 1.3e9, "approximate": True}, "~$1.3B"),
        ({"amount_max_usd": 1e11}, "up to $100B"),
        ({"amount_min_usd": 5e8}, "at least $500M"),
        ({"amount_min_usd": 1e9, "amount_max_usd": 2e9, "amount_usd": 1.5e9}, "$1B–$2B"),
        ({"amount_usd": 1.4e9, "native_amount": "EUR 1.3B"}, "$1.4B (EUR 1.3B)"),
        ({"amount_usd": 2e6, "native_amount": "USD 2M"}, "$2M"),
        ({}, "undisclosed"),
        ({"amount_usd": float("nan")}, "undisclosed"),
    ],
)
def test_amounts_read_like_the_sources(leg: dict, expected: str) -> None:
    assert format_amount(leg) == expected


def test_empty_and_sparse_graphs_render() -> None:
    page = render_explorer(nx.MultiDiGraph())
    data = embedded(page)
    assert data["nodes"] == [] and data["edges"] == [] and data["config"]["min_day"] is None
    G = nx.MultiDiGraph()
    G.add_node("bare")  # no attributes at all
    G.add_edge("bare", "other", key="k", deal="d")
    view = build_view(G)
    assert {n["grp"] for n in view.nodes} == {"company"}
    assert view.edges[0]["c"] == "other" and view.edges[0]["t"] is None
    assert view.deals[0]["amount"] == "undisclosed"


def test_output_is_deterministic() -> None:
    state = random.getstate()
    assert render_explorer(sample_graph()) == render_explorer(sample_graph())
    assert random.getstate() == state  # igraph's RNG was seeded privately and put back


def test_layout_keeps_islands_close() -> None:
    positions = layout(["a", "b", "c", "d", "e"], [("a", "b"), ("b", "c"), ("d", "e")])
    xs = [p[0] for p in positions.values()]
    assert max(xs) - min(xs) < 1500
    assert len({p for p in positions.values()}) == 5


# --- aggregation ------------------------------------------------------------------------------------------


def big_graph(n: int = 400, seed: int = 3) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    types = ["ai_lab", "cloud_provider", "chip_maker", "investment_firm", "company"]
    for i in range(n):
        add_org(G, f"o{i}", f"Org {i}", [types[i % len(types)]])
    for d in range(n * 2):
        u, v = rng.sample(range(n), 2)
        add_leg(G, f"l{d}", f"o{u}", f"o{v}", f"d{d}", amount_usd=float(10 ** rng.uniform(6, 10)))
        add_leg(G, f"l{d}r", f"o{v}", f"o{u}", f"d{d}", flow="equity", primary=False)
    for i in range(5):  # a heavy hub
        add_leg(G, f"hub{i}", "o0", f"o{i + 1}", f"hubdeal{i}", amount_usd=1e11)
    add_leg(G, "tiny1", f"o{n - 1}", f"o{n - 2}", "tinydeal1", amount_usd=1.0, in_cycle=True)
    add_leg(G, "tiny2", f"o{n - 2}", f"o{n - 1}", "tinydeal2", amount_usd=1.0, in_cycle=True)
    G.graph["cycles"] = [
        {
            "nodes": [f"o{n - 1}", f"o{n - 2}"],
            "legs": ["tiny1", "tiny2"],
            "round_trip_usd": 1.0,
            "label": "tiny loop",
        }
    ]
    return G


def test_no_aggregation_at_or_below_max_nodes() -> None:
    G = big_graph(60)
    view = build_view(G, max_nodes=60)
    assert not view.aggregated and view.notes == []
    assert len(view.nodes) == 60 and len(view.edges) == G.number_of_edges()


def test_aggregation_keeps_top_flow_focus_and_loops() -> None:
    G = big_graph()
    view = build_view(G, max_nodes=50, focus="o399", depth=1)
    ids = {n["id"] for n in view.nodes}
    assert view.aggregated
    assert len(view.nodes) <= 50
    assert "o0" in ids  # the hub, by flow
    assert {"o399", "o398"} <= ids  # the focus (and the loop it is in)
    others = [n for n in view.nodes if n.get("agg")]
    assert {n["grp"] for n in others} == {
        "ai_lab",
        "cloud_provider",
        "chip_maker",
        "investment_firm",
        "company",
    }
    assert all(n["shape"] == "diamond" for n in others)
    collapsed = sum(view.orgs[n["id"]]["count"] for n in others)
    assert collapsed + len(ids) - len(others) == G.number_of_nodes()
    assert view.notes and "max_nodes=50" in view.notes[0]
    page = render_view_text(view)
    assert "max_nodes=50" in page
    # Every edge joins drawn nodes, none is a self-loop of a group, and group edges add up their legs.
    for e in view.edges:
        assert e["from"] in ids and e["to"] in ids
        if e.get("agg"):
            assert e["from"] != e["to"] and e["n"] >= 1 and e["sum"]
            assert all(0 <= i < len(view.deals) for i in e["sum"])
    assert view.cycles[0]["nodes"] == ["o399", "o398"]
    assert view.cycles[0]["edges"] == ["tiny1", "tiny2"]


def test_aggregated_edges_stand_for_drawn_legs_only() -> None:
    G = big_graph()
    view = build_view(G, max_nodes=40)
    kept = {n["id"] for n in view.nodes if not n.get("agg")}
    crossing = [a for u, v, a in G.edges(data=True) if a["primary"] and not (u in kept and v in kept)]
    grouped = sum(e["n"] for e in view.edges if e.get("agg"))
    internal = sum(
        1
        for u, v, a in G.edges(data=True)
        if a["primary"] and u not in kept and v not in kept and G.nodes[u]["types"] == G.nodes[v]["types"]
    )
    assert grouped == len(crossing) - internal


def render_view_text(view) -> str:
    from kg.views.explorer import render_view

    return render_view(view)


def test_a_big_view_opens_on_its_core() -> None:
    G = big_graph(400)
    view = build_view(G)
    shown = view.config["initial"]["shown"]
    flows = node_flows(G)
    top = sorted(G.nodes, key=lambda n: (-flows[n], n))[:25]
    assert shown[:25] == top  # the 25 with the most deal flow, then their partners
    assert 25 < len(shown) <= 250 and len(set(shown)) == len(shown)
    hubs = set(top)
    partners = {v for u, v, a in G.edges(data=True) if a["primary"] and u in hubs} | {
        u for u, v, a in G.edges(data=True) if a["primary"] and v in hubs
    }
    assert set(shown) <= hubs | partners
    assert "opens on the 25 organisations" in view.notes[0]
    assert build_view(G, core=0).config["initial"]["shown"] is None
    assert build_view(big_graph(300)).config["initial"]["shown"] is None  # small enough to show whole


def test_an_as_of_after_the_data_stretches_the_slider() -> None:
    cfg = build_view(sample_graph(), as_of="2026-12-02").config
    assert cfg["max_day"] == cfg["initial"]["as_of_day"] == (date(2026, 12, 2) - date(1970, 1, 1)).days
