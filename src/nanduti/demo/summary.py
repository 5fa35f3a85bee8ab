"""What ``nanduti demo`` prints at the end: counts, the demo users and the address."""

from __future__ import annotations

from nanduti.demo.run import Outcome


def summary_lines(outcome: Outcome, url: str) -> list[str]:
    counts, linked = outcome.counts, outcome.linked
    lines = [
        "",
        "=" * 72,
        "Ñandutí — DEMOSTRACIÓN CON DATOS SINTÉTICOS / DEMO WITH SYNTHETIC DATA",
        f"casos / cases: {counts['cases']}   víctimas / victims: {counts['victims']}   "
        f"instituciones con casos / institutions with cases: {counts['institutions']}",
    ]
    if linked is not None:
        lines.append(
            f"personas únicas (enlace #{linked.pk}) / unique persons (linkage run "
            f"#{linked.pk}): {linked.persons}"
        )
    lines.append(
        "Usuarios (contraseñas fijas, solo para esta demo local) / "
        "users (fixed passwords, for this local demo only):"
    )
    for username, password, role, institution in outcome.users:
        where = f" @ {institution}" if institution else ""
        lines.append(f"  {username:<18} {password:<24} {role}{where}")
    lines += [f"URL: {url}", "=" * 72]
    return lines
