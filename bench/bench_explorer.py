"""Explorer benchmark: a 5,000-organisation graph rendered and opened in Chromium. Prints render time, HTML size,
load-to-stable time (navigation start to the network's first ``afterDrawing`` with physics off), what the first
view shows (organisations, lines, names) and the time of a filter change, a path search, a click that adds
partners and "Show all". Reports only; never asserts on time.

    .venv/bin/python bench/bench_explorer.py [--nodes 5000] [--deals-per-node 2.5]
    .venv/bin/python bench/bench_explorer.py --data DIR --out OUT   # a built data set, e.g. of `aikg synth`
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import networkx as nx

from kg.views.explorer import render_explorer

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
TYPES = [
    "ai_lab",
    "cloud_provider",
    "chip_maker",
    "big_tech",
    "investment_firm",
    "sovereign_fund",
    "joint_venture",
    "data_center_operator",
    "energy_company",
    "company",
]
KINDS = {  # kind -> (category, flow of the primary leg, flow of the return leg or None)
    "equity_investment": ("investment", "money", "equity"),
    "funding_round": ("investment", "money", "equity"),
    "compute_commitment": ("compute", "money", "compute"),
    "chip_supply": ("chips", "money", "chips"),
    "debt_financing": ("debt", "money", "debt"),
    "joint_venture": ("joint_venture", "money", None),
    "partnership": ("other", "services", None),
    "warrant": ("other", "equity", None),
}
STATUSES = ["closed", "closed", "committed", "announced", "in_progress", "projected", "rumoured", "cancelled"]


def synthetic_graph(n_nodes: int, deals_per_node: float, seed: int = 1) -> nx.MultiDiGraph:
    """Scale-free-ish deal graph (a few hubs, a long tail) with sources, amounts and some loops."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    ids = [f"org{i:05d}" for i in range(n_nodes)]
    for i, oid in enumerate(ids):
        G.add_node(
            oid,
            label=f"Org {i} {rng.choice(['AG', 'Inc.', 'GmbH', 'Ltd', 'SE'])}",
            types=[rng.choice(TYPES)],
            aliases=[f"Organisation {i}", f"Firma Nr. {i}"],
            parent=None,
            iri=f"https://aikg.example/org/{oid}",
            wikidata=None,
            lei=None,
            ticker=None,
        )
    weights = [1 / (rank + 1) ** 0.9 for rank in range(n_nodes)]  # hubs first
    start = date(2019, 1, 1)
    n_deals = int(n_nodes * deals_per_node)
    for d in range(n_deals):
        u, v = rng.choices(ids, weights=weights, k=2)
        if u == v:
            continue
        kind = rng.choice(list(KINDS))
        category, flow, back = KINDS[kind]
        amount = 10 ** rng.uniform(6, 11) if rng.random() < 0.8 else None
        when = start + timedelta(days=rng.randrange(2500))
        common = {
            "deal": f"deal{d}",
            "deal_iri": f"https://aikg.example/deal/deal{d}",
            "title": f"Deal {d}: {kind}",
            "kind": kind,
            "category": category,
            "status": rng.choice(STATUSES),
            "evidence": rng.choice(["confirmed", "reported", "estimated"]),
            "date": when,
            "amount_usd": amount,
            "amount_min_usd": None,
            "amount_max_usd": None,
            "approximate": rng.random() < 0.3,
            "native_amount": None,
            "in_cycle": False,
            "sources": [
                {
                    "publisher": "Newswire",
                    "title": f"Report on deal {d}",
                    "url": f"https://news.example/{d}",
                    "seed_file": None,
                    "published": when,
                    "quote": f"Org {u} and Org {v} agreed deal {d} worth about {amount or 0:.0f} dollars.",
                    "preferred": True,
                }
            ],
        }
        G.add_edge(u, v, key=f"leg{d}a", flow=flow, primary=True, **common)
        if back:
            G.add_edge(v, u, key=f"leg{d}b", flow=back, primary=False, **common)
    cycles = []
    for c in range(40):  # a few triangles among the hubs
        a, b, x = rng.sample(ids[:200], 3)
        legs = []
        for i, (s, t) in enumerate(((a, b), (b, x), (x, a))):
            key = f"cyc{c}-{i}"
            G.add_edge(
                s,
                t,
                key=key,
                deal=f"cycdeal{c}-{i}",
                deal_iri="",
                title=f"Loop {c} leg {i}",
                kind="equity_investment",
                category="investment",
                flow="money",
                primary=True,
                status="committed",
                evidence="reported",
                date=start + timedelta(days=2000 + c),
                amount_usd=1e9 * (i + 1),
                amount_min_usd=None,
                amount_max_usd=None,
                approximate=False,
                native_amount=None,
                in_cycle=True,
                sources=[],
            )
            legs.append(key)
        cycles.append({"nodes": [a, b, x], "legs": legs, "round_trip_usd": 1e9, "label": f"Loop {c}"})
    G.graph["cycles"] = cycles
    return G


TIMED = """() => {
  const A = aikgExplorer, t = () => performance.now(), out = {};
  let s = t(); document.querySelector('#all-legs').click(); document.querySelector('#all-legs').click();
  out.filter_ms = (t() - s) / 2;
  const orgs = A.nodes.getIds().filter(id => !A.nodes.get(id).agg);
  s = t(); A.findPath(orgs[1], orgs[orgs.length - 2], false, false); out.path_hops_ms = t() - s;
  s = t(); A.findPath(orgs[1], orgs[orgs.length - 2], false, true); out.path_widest_ms = t() - s;
  A.clearHighlight();
  const shown = new Set(A.nodesView.getIds());
  const edge = A.edges.get({filter: e => e.p && shown.has(e.from) && !shown.has(e.to)})[0];
  s = t(); const added = edge ? A.expand(edge.from) : 0; out.expand_ms = t() - s; out.expanded = added;
  s = t(); A.showAll(); out.show_all_ms = t() - s;
  out.all = A.stats();
  return out;
}"""


def open_in_chromium(path: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        started = time.perf_counter()
        page.goto(path.resolve().as_uri(), timeout=120_000)
        page.wait_for_function("window.aikgExplorer && window.aikgExplorer.ready === true", timeout=120_000)
        wall = time.perf_counter() - started
        ready_ms = page.evaluate("aikgExplorer.readyAt")
        timings = page.evaluate("aikgExplorer.timings")
        stats = page.evaluate("aikgExplorer.stats()")
        shot = Path("test-artifacts")
        shot.mkdir(exist_ok=True)
        page.screenshot(path=str(shot / f"bench-explorer-{path.stem}.png"))
        timed = page.evaluate(TIMED)
        browser.close()
    if errors:
        print(f"  page errors: {errors}")
    return {"ready_ms": ready_ms, "wall_s": wall, "timings": timings, **timed, **stats}


def load_graph(args: argparse.Namespace) -> nx.MultiDiGraph:
    if args.data:
        import kg  # a built data set through the facade, as `aikg view` reads it

        return kg.load(args.data, args.out).explorer_graph()
    return synthetic_graph(args.nodes, args.deals_per_node)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--deals-per-node", type=float, default=2.5)
    parser.add_argument("--data", type=Path, help="a data folder (instead of the built-in synthetic graph)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="its output folder (with --data)")
    args = parser.parse_args()

    G = load_graph(args)
    print(
        f"graph: {G.number_of_nodes():,} organisations, {G.number_of_edges():,} deal legs, "
        f"{len(G.graph.get('cycles') or [])} loops"
    )
    have_browser = Path(CHROMIUM).is_file() or shutil.which("chromium")
    if not have_browser:
        print("chromium not installed: browser timings skipped (`make browser`)")
    configs = (  # (label, keyword arguments)
        ("opens on its core", {}),
        ("opens on every organisation (the old first view)", {"core": 0}),
    )
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, kwargs) in enumerate(configs):
            started = time.perf_counter()
            page = render_explorer(G, **kwargs)
            render_s = time.perf_counter() - started
            path = Path(tmp) / f"view{index}.html"
            path.write_text(page, encoding="utf-8")
            print(f"[{label}] render {render_s:.2f} s, HTML {path.stat().st_size / 1e6:.2f} MB")
            if not have_browser:
                continue
            r = open_in_chromium(path)
            t = r["timings"]
            print(
                f"  chromium: load-to-stable {r['ready_ms']:.0f} ms after navigation start (wall {r['wall_s']:.2f} s); "
                f"milestones: JSON parsed {t['parsed']:.0f}, DataSets {t['datasets']:.0f}, "
                f"vis.Network built {t['network']:.0f}, first drawing {t['drawn']:.0f} ms"
            )
            print(
                f"  first view: {r['shownOrganisations']:,} organisations and {r['shownGroups']} groups drawn of "
                f"{r['nodes']:,} nodes, {r['visibleEdges']:,} of {r['edges']:,} lines, {r['labels']:,} names"
            )
            print(
                f"  one filter change {r['filter_ms']:.0f} ms; path, fewest hops {r['path_hops_ms']:.0f} ms, "
                f"widest {r['path_widest_ms']:.0f} ms; a click adding {r['expanded']} partners "
                f"{r['expand_ms']:.0f} ms; Show all {r['show_all_ms']:.0f} ms "
                f"({r['all']['visibleNodes']:,} nodes, {r['all']['visibleEdges']:,} lines, "
                f"{r['all']['labels']:,} names)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
