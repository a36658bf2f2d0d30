"""Numbers an analyst can trust, on the bundled data: one figure per fact on every surface, multi-party
deals in exposure, undisclosed never zero, ranges honoured, statuses excluded alike, names resolved."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import tempfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.metrics.totals import deal_totals, totals_by_line
from kg.projection.legs import pick
from kg.records.names import UnknownOrganisation
from kg.records.vocab import COUNTED_STATUSES, Status
from kg.store import queries
from kg.synth import synth
from kg.views.entity_site import SITE_LINKS
from kg.views.explorer_data import build_view
from kg.views.formatting import format_amount, leg_amount

ALL = [s.value for s in Status]
DIGESTS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?deal ?status ?date ?usd ?claim_date WHERE {
  ?d a aikg:Deal ; aikg:recordId ?deal ; aikg:currentStatus ?status ; aikg:currentDate ?date ;
     aikg:preferredClaim/aikg:claimDate ?claim_date .
  OPTIONAL { ?d aikg:currentUSD ?usd } }"""


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.5)


def _num(value: object) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)  # type: ignore[arg-type]


def surfaces_agree(graph: kg.KnowledgeGraph) -> int:
    """Every deal's amount, status and date on every surface (SPARQL digests, the named queries' plans, metrics,
    explorer, report, entity pages, CLI) against the projection's deal record;
    returns how many deals were compared."""
    legs = graph.legs(statuses=ALL)  # every deal, whatever its status
    records = legs.graph["deals"]
    today = dt.date.today()
    # SPARQL: the build's digests of the preferred claim
    digest = {r["deal"]: r for r in queries.sparql(graph.store, DIGESTS).to_dict("records")}
    compared = 0
    for deal, record in records.items():
        row = digest[deal]
        if row["claim_date"].date() > today:  # a preferred claim not yet dated: the latest known one speaks
            continue
        assert row["status"] == record["status"], deal
        assert row["date"].date() == record["date"], deal
        assert _close(_num(row["usd"]), record["amount_usd"]), (deal, row["usd"], record["amount_usd"])
        compared += 1
    # the named queries' plans (DuckDB over the build's tables): each deal by its status
    for status in Status:
        for row in graph.query("deals_by_status", status=status.value, engine="tables").to_dict("records"):
            record = records[row["deal_id"]]
            if digest[row["deal_id"]]["claim_date"].date() > today:
                continue
            low, high = _num(row["min_usd"]), _num(row["max_usd"])
            point = _num(row["usd"])
            if point is None and low is not None and high is not None:
                point = (low + high) / 2
            point = point if point is not None else low if low is not None else high
            assert (row["status"], row["date"].date()) == (record["status"], record["date"]), row["deal_id"]
            assert _close(point, record["amount_usd"]), (row["deal_id"], point, record["amount_usd"])
    # metrics: the totals by line read the same figure
    for row in deal_totals(legs).to_dict("records"):
        assert _close(_num(row["usd"]), records[row["deal"]]["amount_usd"]), row["deal"]
        assert row["status"] == records[row["deal"]]["status"]
    # the explorer: each deal's own amount, status and date, never a leg's
    view = build_view(legs, max_nodes=100_000)
    for shown in view.deals:
        record = records[shown["id"]]
        assert shown["amount"] == format_amount(record), shown["id"]
        expected = leg_amount(record)
        assert shown["usd"] == (None if expected is None else round(expected)), shown["id"]
        assert (shown["status"], shown["date"]) == (record["status"], record["date"].isoformat()), shown["id"]
    # the report: the deal list at the end
    report = graph.build_report(statuses=ALL, stress_fail=next(iter(legs.nodes)))
    for shown in report.deals:
        record = records[shown["id"]]
        assert _close(shown["total"].get("usd"), record["amount_usd"]), shown["id"]
        assert (shown["status"], shown["date"]) == (record["status"], record["date"].isoformat()), shown["id"]
    # the exports: the deals sheet of the workbook, and each leg of the GEXF file with its deal's figure
    with tempfile.TemporaryDirectory() as tmp:
        graph.export(Path(tmp) / "x.xlsx", "xlsx", what=["legs"], statuses=ALL)
        sheet = pd.read_excel(Path(tmp) / "x.xlsx", sheet_name="deals")
        graph.export(Path(tmp) / "x.gexf", "gexf", statuses=ALL)
        gexf = nx.read_gexf(Path(tmp) / "x.gexf")
    assert len(sheet) == len(records)
    for row in sheet.to_dict("records"):
        record = records[row["id"]]
        assert _close(_num(row["amount_usd"]), record["amount_usd"]), row["id"]
        assert (row["status"], row["date"].date()) == (record["status"], record["date"]), row["id"]
    for _u, _v, leg in gexf.edges(data=True):
        record = records[leg["deal"]]
        assert _close(_num(leg.get("deal_amount_usd")), record["amount_usd"]), leg["deal"]
        assert (leg["status"], leg["date"], leg["start"]) == (record["status"], *[record["date"].isoformat()] * 2)
    # the entity pages: each deal's page, and each organisation's list of deals (the busiest one's here)
    busiest = max(legs.nodes, key=legs.degree)
    pages = graph.entity_pages()
    for deal, record in records.items():
        shown = pages.deal(deal)
        assert shown["amount"] == format_amount(record), deal
        assert (shown["status"], shown["date"]) == (record["status"], record["date"].isoformat()), deal
        page = pages.html(f"deal/{deal}", SITE_LINKS)
        assert f'<dd class="amount">{html.escape(format_amount(record))}</dd>' in page, deal
    listed = [row for rows in pages.org(busiest)["deals"].values() for row in rows]
    parties = set(graph.query("deals_of_org", org=busiest)["deal_id"])  # also deals without a leg of its own
    assert {row["id"] for row in listed} == parties | {d["deal"] for *_e, d in legs.edges(busiest, data=True)} | {
        d["deal"] for *_e, d in legs.in_edges(busiest, data=True)}
    for row in listed:
        record = records[row["id"]]
        assert (row["amount"], row["status"], row["date"]) == (format_amount(record), record["status"],
                                                               record["date"].isoformat()), row["id"]
    # the CLI (JSON of a named query), for the deals of the busiest organisation
    result = CliRunner().invoke(main, ["query", "deals_of_org", "-p", f"org={busiest}", "--format", "json",
                                       "--data", str(graph.data), "--out", str(graph.out)])
    assert result.exit_code == 0, result.output
    cli_rows = json.loads(result.output)
    for row in cli_rows:
        record = records[row["deal_id"]]
        usd = pick(row["usd"], row["min_usd"], row["max_usd"], "midpoint")
        if digest[row["deal_id"]]["claim_date"].date() <= today:
            assert _close(usd, record["amount_usd"]) and row["status"] == record["status"], row["deal_id"]
    # the bubble questions: everything reported up to today ends in each deal's counted status and figure
    events = graph.changes(dt.date(1900, 1, 1), today)
    final = events[events["deal"].isin(records)].drop_duplicates("deal", keep="last").set_index("deal")
    dated = {d for d, r in records.items() if all(s["claim_date"] <= today for s in r["sources"])}
    for deal, row in final[final.index.isin(dated)].iterrows():
        assert row["status"] == records[deal]["status"], deal
        assert _close(_num(row["amount_usd"]), records[deal]["amount_usd"]), deal
    # ... and the commitments against revenue list each purchase at its leg's figure
    buyer = max(legs.nodes, key=lambda n: sum(1 for *_, d in legs.out_edges(n, data=True)
                                              if d["kind"] in ("compute_commitment", "chip_supply")))
    grouped = graph.legs(group_subsidiaries=True)
    for row in graph.carry(buyer).commitments.itertuples():
        own = [d["amount_usd"] for *_, d in grouped.out_edges(buyer, data=True)
               if d["deal"] == row.deal and d["flow"] == "money"]
        assert _close(_num(row.amount_usd), own[0] if len(own) == 1 else _num(row.amount_usd)), row.deal
    # the endpoint's query page runs the same named query over HTTP; its JSON and XLSX downloads
    for row in _endpoint_rows(graph, "deals_of_org", org=busiest):
        record = records[row["deal_id"]]
        usd = pick(_num(row["usd"]), _num(row["min_usd"]), _num(row["max_usd"]), "midpoint")
        if digest[row["deal_id"]]["claim_date"].date() <= today:
            assert _close(usd, record["amount_usd"]) and row["status"] == record["status"], row["deal_id"]
            assert dt.date.fromisoformat(str(row["date"])[:10]) == record["date"], row["deal_id"]
    return compared


def _endpoint_rows(graph: kg.KnowledgeGraph, name: str, **params: str) -> list[dict]:
    """A named query's rows from ``aikg serve`` (``/queries/NAME``) as JSON and as XLSX, checked to
    agree with each other; numbers as floats."""
    import io
    import urllib.parse

    from openpyxl import load_workbook
    from w3c.servers import endpoint, http

    with endpoint(graph.out / "store", workers=1, named_queries=queries.library()) as server:
        url = f"{server.url}/queries/{name}?" + urllib.parse.urlencode(params)
        data = json.loads(http(url + "&format=json").body)
        sheet = list(load_workbook(io.BytesIO(http(url + "&format=xlsx").body)).active.iter_rows(values_only=True))
    variables = data["head"]["vars"]
    rows = []
    for binding, cells in zip(data["results"]["bindings"], sheet[1:], strict=True):
        row = {v: binding[v]["value"] if v in binding else None for v in variables}
        for v, cell in zip(variables, cells, strict=True):
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                assert _close(float(cell), float(row[v])), (v, cell, row[v])
                row[v] = float(cell)
        rows.append(row)
    assert len(rows) == len(sheet) - 1
    return rows


def test_every_surface_states_the_same_figure_on_the_bundled_data(real_graph: kg.KnowledgeGraph) -> None:
    assert surfaces_agree(real_graph) >= 100


def test_the_stories_state_each_deal_as_every_other_surface(real_graph: kg.KnowledgeGraph) -> None:
    """The story pages (``aikg stories``): each deal figure, date and status in their text and timelines is the
    explorer's text and the SPARQL digest's value for that deal."""
    from kg.views.stories import Figure, StoryInputs, build_stories, long_date

    pages = build_stories(StoryInputs(real_graph.explorer_graph(), real_graph.legs(), real_graph.store))
    explorer = {d["id"]: d for d in build_view(real_graph.legs(statuses=ALL), max_nodes=100_000).deals}
    digest = {r["deal"]: r for r in queries.sparql(real_graph.store, DIGESTS).to_dict("records")}
    compared = 0
    for chapter in (c for page in pages for c in page.chapters):
        for fact in (f for f in chapter.facts if f.kind == "deal"):  # the timeline and the sources
            shown, row = explorer[fact.id], digest[fact.id]
            assert (fact.amount, fact.status, fact.date.isoformat()) == (shown["amount"], shown["status"],
                                                                          shown["date"]), fact.id
            assert (fact.status, fact.date) == (row["status"], row["date"].date()), fact.id
            assert _close(fact.usd, _num(row["usd"])), fact.id
            compared += 1
        for fig in (p for para in chapter.paragraphs for p in para if isinstance(p, Figure) and p.ref.kind == "deal"):
            shown = explorer[fig.ref.id]
            expected = {"amount": shown["amount"], "status": shown["status"].replace("_", " "),
                        "date": long_date(dt.date.fromisoformat(shown["date"])), "title": shown["title"]}
            if fig.ref.field in expected:
                assert fig.shown == expected[fig.ref.field], fig.ref.source
                compared += 1
    assert compared >= 80  # 98 deal facts and figures in the bundled stories


def test_every_surface_states_the_same_figure_on_synthetic_data(tmp_path: Path) -> None:
    synth(orgs=60, seed=3, out=tmp_path / "data")
    assert surfaces_agree(kg.load(tmp_path / "data", tmp_path / "out")) >= 100


# --- multi-party deals -----------------------------------------------------------------------------------------


def test_the_banks_of_the_openai_facility_are_exposed_with_allocated_credit(real_graph: kg.KnowledgeGraph) -> None:
    exposed = real_graph.exposed_to("openai").set_index("org")
    banks = ["jpmorgan-chase", "citigroup", "goldman-sachs", "morgan-stanley"]
    assert set(banks) <= set(exposed.index)
    for bank in banks:
        assert exposed.at[bank, "credit"] > 0
        assert exposed.at[bank, "allocated_usd"] == exposed.at[bank, "credit"]  # an equal share of the total
    stated_only = real_graph.exposed_to("openai", allocate=False).set_index("org")
    for bank in banks:  # listed, but with no figure: the facility states only its total
        assert stated_only.at[bank, "credit"] == 0 and stated_only.at[bank, "undisclosed_legs"] == 1
    facility = [d for _u, _v, d in real_graph.legs().edges(data=True) if d["deal"] == "openai-credit-facility-2024"
                and d["flow"] == "money"]
    assert {d["basis"] for d in facility} == {"allocated_equal"}
    total = real_graph.legs().graph["deals"]["openai-credit-facility-2024"]["amount_usd"]
    assert sum(d["amount_usd"] for d in facility) == pytest.approx(total)


def test_jpmorgan_sees_the_loans_it_shares(real_graph: kg.KnowledgeGraph) -> None:
    frame = real_graph.exposure("jpmorgan-chase")
    credit = frame[frame["channel"] == "credit"]
    assert "openai" in set(credit["counterparty"])
    assert (credit["allocated_usd"] > 0).any()


# --- undisclosed is not zero -----------------------------------------------------------------------------------


def test_concentration_never_gives_an_undisclosed_leg_a_share(real_graph: kg.KnowledgeGraph) -> None:
    result = real_graph.concentration("nvidia", "customers")
    table = result.table
    only_unknown = table[table["undisclosed_legs"] == table["legs"]]
    assert len(only_unknown) >= 1 and only_unknown["usd"].isna().all() and only_unknown["share"].isna().all()
    assert result.undisclosed >= 1 and result.known_legs < result.legs
    assert result.hhi_high == 10_000 and result.hhi_low < result.hhi
    assert 0 < result.known_share < 1


def test_exposure_says_when_claims_have_no_figure(real_graph: kg.KnowledgeGraph) -> None:
    frame = real_graph.exposed_to("openai")
    assert (frame["undisclosed_legs"] > 0).any()
    assert frame["debtrank_loss_usd"].dtype == float
    unsized = frame[frame["size_basis"].isna()]
    assert unsized["debtrank_loss_usd"].isna().all() and unsized["relative_to_size"].isna().all()
    assert set(unsized["org"]) == set(frame.attrs["unsized"])


# --- ranges ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["min", "midpoint", "max"])
def test_up_to_is_honoured_by_every_mode(real_graph: kg.KnowledgeGraph, mode: str) -> None:
    legs = real_graph.legs(ranges=mode)
    deals = legs.graph["deals"]
    up_to = {deal for deal, d in deals.items()
             if d["amount_min_usd"] is None and d["amount_max_usd"] is not None and not d["approximate"]}
    assert len(up_to) >= 3, "the bundled data has 'up to' amounts"
    for deal in up_to:
        assert deals[deal]["amount_usd"] == (0.0 if mode == "min" else deals[deal]["amount_max_usd"])
    single = [d for _u, _v, d in legs.edges(data=True) if d["deal"] in up_to and d["basis"] == "total"]
    assert single
    for leg in single:  # a leg that carries the deal's total counts it the same way
        assert leg["amount_usd"] == deals[leg["deal"]]["amount_usd"]


def test_coreweave_backlog_from_openai_depends_on_the_mode(real_graph: kg.KnowledgeGraph) -> None:
    def backlog(mode: str) -> float:
        frame = real_graph.exposure("coreweave", to="openai", ranges=mode)
        return float(frame.loc[frame["channel"] == "contracted_revenue", "usd"].sum())

    assert backlog("min") < backlog("midpoint") <= backlog("max")


# --- status consistency ----------------------------------------------------------------------------------------


def test_statuses_are_excluded_alike_by_queries_edges_and_cycles(real_graph: kg.KnowledgeGraph) -> None:
    records = real_graph.legs(statuses=ALL).graph["deals"]
    counted = {s.value for s in COUNTED_STATUSES}
    pairs = real_graph.query("circular_pairs")
    for column in ("investment_deal", "spend_deal"):
        assert {records[d]["status"] for d in pairs[column]} <= counted
    cycles = real_graph.cycles()
    assert {records[d]["status"] for d in cycles.legs["deal"]} <= counted
    two = {tuple(p.split(" → ")[:2]) for p in cycles.table["path"] if p.count("→") == 2}
    grouped = real_graph.legs(group_subsidiaries=True)
    for row in pairs.itertuples():
        a, b = real_graph.resolve(row.investor_id, grouped), real_graph.resolve(row.investee_id, grouped)
        assert (a, b) in two or (b, a) in two, (a, b)
    # every shortcut edge stands on a deal that counts
    unsupported = queries.sparql(real_graph.store, """PREFIX aikg: <https://w3id.org/aikg/ontology#>
        SELECT ?a ?b WHERE { ?a aikg:investsIn|aikg:commitsSpendTo|aikg:lendsTo ?b .
          FILTER NOT EXISTS { ?d aikg:involves ?a , ?b ; aikg:currentStatus ?s .
                              FILTER (?s IN ("announced", "committed", "closed", "in_progress")) } }""")
    assert unsupported.empty
    cancelled = [d for d, r in records.items() if r["status"] == "cancelled"]
    assert cancelled and not set(cancelled) & (set(pairs["investment_deal"]) | set(pairs["spend_deal"]))


# --- totals ----------------------------------------------------------------------------------------------------


def test_headline_lines_count_each_dollar_once(real_graph: kg.KnowledgeGraph) -> None:
    legs = real_graph.legs()
    deals = deal_totals(legs)
    lines = totals_by_line(legs).set_index("line")
    for line, row in lines.iterrows():
        part = deals[(deals["line"] == line) & deals["counted"]]
        assert row["usd"] == pytest.approx(part["usd"].sum())
        assert not part["included_in"].notna().any()
    assert {"funding", "compute", "debt"} <= set(lines.index)
    oracle = deals.set_index("deal").loc["oracle-openai-2025"]
    assert oracle["part_of"] == "stargate-2025" and oracle["line"] == "compute"


# --- names -----------------------------------------------------------------------------------------------------


def test_names_resolve_everywhere(real_graph: kg.KnowledgeGraph) -> None:
    assert real_graph.resolve("OpenAI") == "openai"
    assert not real_graph.exposed_to("OpenAI").empty
    assert real_graph.query("deals_of_org", org="OpenAI").equals(real_graph.query("deals_of_org", org="openai"))
    with pytest.raises(UnknownOrganisation, match="did you mean openai"):
        real_graph.exposed_to("OpenIA")
    with pytest.raises(UnknownOrganisation, match="did you mean"):
        real_graph.query("deals_of_org", org="Antropic")
    result = CliRunner().invoke(main, ["exposed-to", "OpenIA", "--data", str(real_graph.data),
                                       "--out", str(real_graph.out)])
    assert result.exit_code != 0 and "did you mean openai" in result.output


# --- frames and JSON -------------------------------------------------------------------------------------------


def test_frames_are_typed_for_analysis(real_graph: kg.KnowledgeGraph) -> None:
    frames = {"exposed_to": real_graph.exposed_to("openai"), "exposure": real_graph.exposure("microsoft"),
              "cycles": real_graph.cycles().table, "cycle_legs": real_graph.cycles().legs,
              "stress": real_graph.stress("openai", pays=0.4).table,
              "concentration": real_graph.concentration("coreweave", "customers").table,
              "investors_in": real_graph.query("investors_in", org="anthropic")}
    for name, frame in frames.items():
        objects = [c for c, t in frame.dtypes.items() if t is object and any(
            isinstance(v, int | float) for v in frame[c].dropna())]
        assert not objects, (name, objects)
    cycle_legs = frames["cycle_legs"]
    assert pd.api.types.is_datetime64_any_dtype(cycle_legs["date"])
    investors = frames["investors_in"]
    assert {"investor_usd", "deal_usd"} <= set(investors.columns)


def test_concentration_json_carries_numbers(real_graph: kg.KnowledgeGraph) -> None:
    result = CliRunner().invoke(main, ["concentration", "coreweave", "--kind", "customers", "--format", "json",
                                       "--data", str(real_graph.data), "--out", str(real_graph.out)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert isinstance(body["hhi"], float) and isinstance(body["top1"], float) and isinstance(body["legs"], int)


# --- sizes and dilution ----------------------------------------------------------------------------------------


def test_every_listed_party_has_a_market_cap_for_each_year_it_has_deals(real_graph: kg.KnowledgeGraph) -> None:
    legs = real_graph.legs(group_subsidiaries=True, statuses=ALL)
    years: dict[str, set[int]] = {}
    for u, v, d in legs.edges(data=True):
        for org in (u, v):
            years.setdefault(org, set()).add(d["date"].year)
    caps = real_graph.query("market_value_events")
    caps = caps[caps["metric"] == "market_cap"]
    have = {(org, day.year) for orgs, day in zip(caps["orgs"], caps["date"], strict=True) for org in orgs.split(", ")}
    missing = [(org, y) for org, data in legs.nodes(data=True) if data.get("ticker")
               for y in sorted(years.get(org, ())) if y >= 2023 and (org, y) not in have]
    # CoreWeave listed in March 2025 and Cerebras in May 2026; for the others no market cap was found in the
    # stored reporting (README, "What is in it"). A new gap fails here.
    known_gaps = {("coreweave", 2023), ("coreweave", 2024), ("cerebras", 2025),
                  ("apollo-global-management", 2025), ("goldman-sachs", 2025), ("iren", 2026), ("mufg-bank", 2026)}
    assert set(missing) <= known_gaps, sorted(set(missing) - known_gaps)


def test_a_stake_stated_before_a_later_round_is_diluted_by_it(real_graph: kg.KnowledgeGraph) -> None:
    frame = real_graph.exposure("microsoft", to="openai")
    equity = frame[frame["channel"] == "equity_at_risk"].iloc[0]
    assert "diluted to" in equity["equity_basis"] and "openai-round-2026-02" in equity["equity_basis"]
    size = real_graph.sizes()["openai"].usd
    assert equity["usd"] < 0.27 * size  # 27% as of October 2025, before the 2026 round
