"""The words that name a deal kind, a metric, a status or an evidence level, in German and English.

Each table is ordered: the first cue that matches decides. The codes are those of
:mod:`kg.records.vocab`.
"""

from __future__ import annotations

import re

from kg.records.vocab import DealKind, Metric, Status


def _rx(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{words})", re.IGNORECASE)  # "KI-Rechenzentren": a cue may end a compound


DEAL_CUES: list[tuple[DealKind, re.Pattern[str]]] = [
    (DealKind.ACQUISITION, _rx(r"acquir\w*|acquisition|takeover|buys\b|bought\b|to buy\b|übernimmt|übernahme\w*|"
                               r"übernommen|kauft\b|gekauft|kaufen\b")),
    (DealKind.JOINT_VENTURE, _rx(r"joint[- ]venture|gemeinschaftsunternehmen")),
    (DealKind.WARRANT, _rx(r"warrants?\b|optionsschein\w*")),
    (DealKind.DEBT_FINANCING, _rx(r"loans?\b|debt\b|bonds?\b|notes offering|credit facility|credit line|revolving|"
                                  r"borrow\w*|lend\w*|kredit\w*|darlehen|anleihe\w*|schulden|fremdkapital")),
    (DealKind.CHIP_SUPPLY, _rx(r"chips?\b|gpus?\b|grafikprozessor\w*|processors|accelerators|chip-?liefer\w*|"
                               r"semiconductors?")),
    (DealKind.COMPUTE_COMMITMENT, _rx(r"cloud\w*|compute\b|computing|rechenkapazit\w*|rechenleistung|azure|"
                                      r"capacity|infrastrukturdeal\w*|nutzungsgarantie\w*|cloud-dienst\w*")),
    (DealKind.FUNDING_ROUND, _rx(r"funding round|financing round|finanzierungsrunde|series [a-h]\b|round\b|"
                                 r"raised|raises|raising|sammelt\w*|eingesammelt|kapitalrunde")),
    (DealKind.EQUITY_INVESTMENT, _rx(r"invest\w*|stake\b|anteil\w*|beteilig\w*|backs\b|backed\b")),
    (DealKind.PARTNERSHIP, _rx(r"partnership|partnerschaft|dienste von|services of|uses\b|nutzte|nutzt\b|"
                               r"kooperation|collaborat\w*|zusammenarbeit|agreement|vereinbarung|vertrag|contract|"
                               r"deal\b")),
    (DealKind.REVENUE_SHARE, _rx(r"revenue[- ]shar\w*|umsatzbeteiligung")),
]

# Metrics, checked on the clause of the figure first and then on the sentence.
METRIC_CUES: list[tuple[Metric, re.Pattern[str]]] = [
    (Metric.VALUATION_PRE, _rx(r"pre-money|vor der finanzierung")),
    (Metric.VALUATION_POST, _rx(r"valuation|valued at|valuing|bewertung\w*|gesamtbewertung|bewertet|post-money")),
    (Metric.REVENUE_RUN_RATE, _rx(r"run[- ]rate|annuali[sz]ed|annualisiert\w*|ARR\b")),
    (Metric.MARKET_CAP, _rx(r"market cap\w*|marktkapitalisierung|market value of|börsenwert von")),
    (Metric.DEVELOPMENT_COST, _rx(r"entwicklungskosten|für die entwicklung|entwickelt\w*|to develop|developed|"
                                  r"to train|trained|training costs?|development costs?")),
    (Metric.FUNDING_RAISED_TOTAL, _rx(r"bis dato|to date|so far|insgesamt eingesammelt|in total")),
    (Metric.REVENUE_REQUIRED, _rx(r"umsatz benötigt|revenue (?:is )?(?:needed|required)|needs? \S+ in revenue")),
    (Metric.TARGET_ATTAINMENT, _rx(r"dieses ziel\w*|des ziels|of (?:the|that|this) target|of (?:the|that|this) goal")),
    (Metric.GROSS_MARGIN, _rx(r"gross margin|bruttomarge")),
    (Metric.PROFIT_MARGIN, _rx(r"gewinnspanne|profit margin|operating margin|marge\b|margen|margin\b")),
    (Metric.NET_LOSS, _rx(r"verlust\w*|net loss|losses|loss\b|lose\b")),
    (Metric.REVENUE, _rx(r"revenue|umsatz\w*|umsätze|einnahmen|sales\b|erlöse")),
    (Metric.INVESTMENT_TOTAL, _rx(r"venture[- ]capital|risikokapital|\bVC\b")),
    (Metric.CAPEX, _rx(r"capex|capital expenditure\w*|investitionsausgaben|investitionen|infrastruktur|"
                       r"rechenzentren|data cent(?:er|re)s|spend\w*|ausgeben|stecken|investier\w*|invest\w*")),
    (Metric.EMPLOYEES, _rx(r"beschäftig\w*|mitarbeiter\w*|employees|staff\b|headcount")),
    (Metric.COMPUTE_CAPACITY, _rx(r"gigawatt\w*|megawatt\w*|\bGW\b|\bMW\b")),
]
# Spending on things, not on an organisation: "in die KI-Infrastruktur investiert", "in AI data centers".
SPENDING = _rx(r"capex|capital expenditure\w*|investitionsausgaben|infrastruktur\w*|rechenzentren|data cent(?:er|re)s|"
               r"projekte|projects")
# Market moves: the figure's metric depends on the kind of figure and the direction of the move.
MARKET_VALUE = _rx(r"börsenwert|market value|marktwert|wertverlust|market cap\w*|wiped|erased|ausgelöscht")
SHARES = _rx(r"aktie\w*|shares?\b|stock\b|aktienkurs\w*|share price")
FALL = _rx(r"fell|fall\w*|dropped|drop\b|slump\w*|sank|tumbl\w*|plung\w*|einbruch|eingebrochen|sackt\w*|fiel\w*|"
           r"verlor\w*|verlust|lost|wiped|erased|ausgelöscht|down\b|declin\w*|brach|shed")
RISE = _rx(r"rose|rise\w*|jump\w*|soar\w*|gain\w*|stieg\w*|legte\w* zu|zulegen|klettert\w*|surg\w*|up\b|added")
TOKEN_PRICE = _rx(r"token")
OUTPUT = _rx(r"output")

# Wording → status, strongest first: what has happened outweighs what is planned or rumoured.
STATUS_CUES: list[tuple[Status, re.Pattern[str]]] = [
    (Status.CANCELLED, _rx(r"cancel\w*|abandon\w*|scrapped|abgesagt|gestoppt|geplatzt|called off")),
    (Status.CLOSED, _rx(r"completed|closed|has raised|have raised|raised|vollzogen|abgeschlossen hat|erhielt|"
                        r"eingesammelt hat|finalized|finalised")),
    (Status.COMMITTED, _rx(r"signed|agreed|unterzeichnet|vereinbart|abgeschlossen|struck|inked|sealed|zugesagt|"
                           r"verpflichtet|committed")),
    (Status.RUMOURED, _rx(r"in talks|talks\b|gespräche\w*|verhandl\w*|negotiat\w*|erwägt|considering|reportedly|"
                          r"könnte|could\b|kurz vor dem abschluss|nears?\b|nearing|people familiar|insidern|"
                          r"sources said|rumou?r\w*|gerücht\w*")),
    (Status.ANNOUNCED, _rx(r"letter of intent|absichtserklärung|plans?\b|planned|plant\b|geplant|will\b|wird\b|"
                           r"announc\w*|angekündigt|kündigt\w*|expects?\b|intends?|to invest|soll\w*")),
]
CONFIRMED = _rx(r"said in a statement|announced|teilte mit|gab bekannt|press release|pressemitteilung|filing|"
                r"according to a filing|confirmed|bestätigt")
ESTIMATED = _rx(r"estimat\w*|schätz\w*|prognostiz\w*|forecast\w*|projected|analyst\w*")
FORECAST = _rx(r"erwartet|expects?|forecast\w*|prognos\w*|könnte\w*|could\b|projected|will\b|wird\b|bis \d{4}")
PLAN = _rx(r"plant\b|plans?\b|planned|geplant|angekündigt|to invest|zu investieren|guidance|budget")

# Words that hand the source's attribution, not a party: "laut Bloomberg", "according to Reuters".
ATTRIBUTION_BEFORE = re.compile(r"(?:laut|according to|reported by|heißt es bei|berichtet(?:e)?|quelle:|told|"
                                r"citing)\s+$", re.IGNORECASE)
ATTRIBUTION_AFTER = re.compile(r"^\s*(?:reported|berichtet\w*|said,? citing|reports)\b", re.IGNORECASE)
# A party a sentence refers back to: "das Unternehmen", "the company", a pronoun as subject.
COMPANY_ANAPHOR = _rx(r"das unternehmen|des unternehmens|dem unternehmen|the company|the firm|the startup|"
                      r"the start-up|das start-up|der konzern|des konzerns|ansässige start-up|the group|"
                      r"the chipmaker|the lab")
# "Diese"/"this" mostly point back at a thing, not at an organisation, so they are not in the list.
PRONOUN_START = re.compile(r"^(?:es|er|sie|ihre?|seine?|das|die|der|it|its|they|their|the)\b", re.IGNORECASE)
PRONOUN_SUBJECT = re.compile(r"^\S+\s+\S+\s+(?:es|it|sie|they)\b|^(?:es|it|they)\b", re.IGNORECASE)
# Receiving verbs: their subject takes the money.
RECEIVES = _rx(r"raised|raises|raising|secur\w*|lands|sammelt\w*|eingesammelt|erhält|erhielt|bekommt|borrow\w*|"
               r"bekam|takes? a loan|wins")
