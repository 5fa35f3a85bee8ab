"""``nanduti demo``'s steps, in order, each announced through ``say``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from django.core.management import call_command

from nanduti.demo import accounts, cases, press

if TYPE_CHECKING:
    from nanduti.linkage.models import LinkageRun


@dataclass
class Outcome:
    users: list[tuple[str, str, str, str]]  # (username, password, role, institution)
    linked: LinkageRun | None  # None when there were no cases to link
    counts: dict[str, int]


def set_up(
    case_count: int, seed: int, say: Callable[[str], None], stdout: TextIO, verbosity: int = 1
) -> Outcome:
    """Migrate, load reference data, institutions, users, synthetic cases, publications,
    sample monitoring, record linkage and official figures. Running it again changes
    nothing that is already there (cases are keyed by institution + reference)."""
    from nanduti.linkage import runs as linkage_runs

    say("1/6 migrate …")
    call_command("migrate", interactive=False, verbosity=0)
    say("2/6 vocabularios / vocabularies …")
    call_command("load_vocabularies", verbosity=max(verbosity - 1, 0), stdout=stdout)
    say(f"3/6 instituciones / institutions: {accounts.ensure_institutions()}")
    users = accounts.ensure_users()
    say(f"4/6 usuarios de demostración / demo users: {len(users)}")
    say(f"5/6 casos sintéticos / synthetic cases: {case_count} (seed {seed}) …")
    report = cases.load_demo_cases(case_count, seed)
    if not report.readable:
        raise DemoFailed(report.fatal)
    say(f"    {report.summary()}, unchanged {report.unchanged}")
    publish_statistics()
    say("6/6 monitoreo / monitoring …")
    say(f"    {press.run_sample_monitoring()}")
    # Unique persons behind the referral chains (MINNA → Prosecutor → Police …).
    linked = linkage_runs.run("encoded") if case_count > 0 else None
    if linked is not None:
        say(f"+ enlace de registros / record linkage: {linked.records} → {linked.persons}")
    say("+ cifras oficiales / official figures:")
    call_command("figures", "load", stdout=stdout)
    return Outcome(users, linked, cases.demo_counts())


class DemoFailed(Exception):
    """The generated file could not be read (the importer's fatal message)."""


def publish_statistics() -> None:
    """The public page shows approved publications: a first run approves the demo's panels."""
    from nanduti.stats.models import Publication
    from nanduti.stats.publication import publish_demo_panels

    if not Publication.objects.exists():
        publish_demo_panels()
