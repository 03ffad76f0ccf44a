"""The demo's accounts: one per rep of the demo data (role rep, team: the region most of their
customers are in), a manager of the largest team and an admin, each with a random password the
demo prints once (only its hash is stored)."""

from __future__ import annotations

import secrets

ADMIN = "admin"
MANAGER = "manager"


def create_accounts(crm) -> dict[str, tuple[str, str, str | None]]:
    """Create the accounts the store lacks; returns name -> (password, role, team) of those created
    (accounts already there keep their password and are not listed)."""
    customers = crm.customers(columns=["owner", "region"]).dropna(subset=["owner"])
    team_of = (customers.assign(region=customers["region"].astype("string"))
               .groupby("owner", observed=True)["region"].agg(lambda r: r.mode().iloc[0] if r.notna().any() else None))
    teams = team_of.value_counts()
    wanted = [(str(rep), "rep", team_of[rep]) for rep in sorted(team_of.index)]
    wanted += [(MANAGER, "manager", teams.index[0] if len(teams) else None), (ADMIN, "admin", None)]
    made = {}
    for name, role, team in wanted:
        if crm.account_of(name) is not None:
            continue
        password = secrets.token_urlsafe(9)  # 12 characters, 72 random bits
        crm.add_user(name, password, role=role, team=None if team is None else str(team))
        made[name] = (password, role, None if team is None else str(team))
    return made
