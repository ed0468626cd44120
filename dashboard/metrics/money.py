"""Measures of money: spend and budget in EUR and as booked, execution and cost ratios."""

from __future__ import annotations

from dashboard.metrics.definition import Measure

MONEY: tuple[Measure, ...] = (
    Measure(
        id="spend_eur",
        label="Spend (EUR)",
        unit="EUR",
        aggregation="additive",
        source="spend",
        formula="sum(amount_eur)",
        definition="Costs booked in the period, in euros at the stored monthly rate (see "
        "Money); costs whose month has no rate yet are left out and counted separately.",
        never="Never split by platform: spend is booked by budget line, not by platform.",
    ),
    Measure(
        id="spend_lines_without_rate",
        label="Spend lines without an exchange rate",
        unit="count",
        aggregation="additive",
        source="spend",
        formula="count(*) FILTER (WHERE amount_eur IS NULL)",
        definition="Costs booked in the period that could not be converted to euros because "
        "their month's rate is not loaded; they are missing from Spend (EUR).",
    ),
    Measure(
        id="spend_original",
        label="Spend (currency as booked)",
        unit="currency",
        aggregation="additive",
        source="spend",
        formula="CASE WHEN count(DISTINCT currency) = 1 THEN sum(amount) END",
        definition="Costs booked in the period in the currency they were booked in; empty "
        "when the selection mixes currencies, so ask for it by currency.",
        never="Never add amounts of different currencies.",
    ),
    Measure(
        id="budget_eur",
        label="Budget (EUR)",
        unit="EUR",
        aggregation="additive",
        source="budget",
        formula="sum(amount_eur)",
        definition="The budget of the selected campaigns for their whole period, in euros "
        "(see Money for the rate).",
        never="Never split by period or platform: a budget line covers the whole campaign.",
    ),
    Measure(
        id="budget_original",
        label="Budget (currency of the lines)",
        unit="currency",
        aggregation="additive",
        source="budget",
        formula="CASE WHEN count(DISTINCT currency) = 1 THEN sum(amount) END",
        definition="The budget of the selected campaigns in the currency of its lines; empty "
        "when the lines mix currencies, so ask for it by currency.",
        never="Never add amounts of different currencies.",
    ),
    Measure(
        id="spend_execution",
        label="Budget execution (spend / budget, EUR)",
        unit="percent",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="budget_eur",
        definition="The share of the budget spent: spend in euros divided by the budget in "
        "euros (the whole budget, whatever the period selected).",
        never="Never average over campaigns; compare with the elapsed share of the period, "
        "not with 100%.",
    ),
    Measure(
        id="cost_per_mille",
        label="Cost per 1,000 impressions (EUR, all spend)",
        unit="EUR per 1,000 impressions",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="impressions",
        scale=1000.0,
        definition="What 1,000 impressions cost: all spend in euros (staff, events and ads, "
        "not only ads) divided by impressions, times 1,000.",
        never="Never compare with an ad platform's CPM, which counts only ad spend; never "
        "compute by platform.",
    ),
    Measure(
        id="cost_per_engagement",
        label="Cost per engagement (EUR, all spend)",
        unit="EUR per engagement",
        aggregation="ratio_of_sums",
        numerator="spend_eur",
        denominator="engagements",
        definition="What one engagement cost: all spend in euros divided by engagements.",
        never="Never compute by platform; spend is not booked by platform.",
    ),
)
