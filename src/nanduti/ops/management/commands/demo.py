"""``nanduti demo [--no-serve] [--port N] [--cases N] [--seed S]``.

It drives every part (registry, monitoring, linkage, statistics, figures), so it lives with
the operations commands rather than in any one of them.

Sets up a demonstration on this machine: migrates, loads the vocabularies and the
institutions, creates demo users (printed passwords), loads the synthetic demo cases
through the importer, runs monitoring on the shipped sample articles, links the victim
records into unique persons (the demo's referral chains), prints a summary
and serves the web interface at http://127.0.0.1:PORT. Running it again changes nothing
that is already there (cases are keyed by institution + reference).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nanduti.linkage import runs as linkage_runs
from nanduti.monitoring import store as monitoring_store
from nanduti.registry import demo
from nanduti.stats.models import Publication
from nanduti.stats.publication import publish_demo_panels


class Command(BaseCommand):
    help = (
        "Prepara y sirve una demostración con datos sintéticos / "
        "sets up and serves a demonstration with synthetic data"
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load and exit")
        parser.add_argument("--port", type=int, default=8000, help="default 8000")
        parser.add_argument("--cases", type=int, default=2000, help="default 2000")
        parser.add_argument("--seed", type=int, default=2024, help="default 2024")

    def handle(self, *args, no_serve, port, cases, seed, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "La demostración crea usuarios con contraseñas conocidas: no se ejecuta con la "
                "configuración de producción / the demo creates users with known passwords: "
                "it does not run with production settings"
            )
        if cases < 0 or not 0 < port < 65536:
            raise CommandError("--cases ≥ 0, 0 < --port < 65536")
        say = self.stdout.write
        verbosity = options.get("verbosity", 1)

        say("1/6 migrate …")
        call_command("migrate", interactive=False, verbosity=0)
        say("2/6 vocabularios / vocabularies …")
        call_command("load_vocabularies", verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        say(f"3/6 instituciones / institutions: {demo.ensure_institutions()}")
        users = demo.ensure_users()
        say(f"4/6 usuarios de demostración / demo users: {len(users)}")
        say(f"5/6 casos sintéticos / synthetic cases: {cases} (seed {seed}) …")
        report = demo.load_demo_cases(cases, seed)
        if not report.readable:
            raise CommandError(report.fatal)
        say(f"    {report.summary()}, unchanged {report.unchanged}")
        if not Publication.objects.exists():  # the public page shows approved publications
            publish_demo_panels()
        say("6/6 monitoreo / monitoring …")
        stored = monitoring_store.load_jsonl_articles(monitoring_store.SAMPLE_ARTICLES)
        analysed = monitoring_store.run_on_stored_articles()
        say(f"    artículos nuevos / new articles: {stored}; {analysed.summary()}")
        # Unique persons behind the referral chains (MINNA → Prosecutor → Police …).
        linked = linkage_runs.run("encoded") if cases > 0 else None
        if linked is not None:
            say(f"+ enlace de registros / record linkage: {linked.records} → {linked.persons}")
        say("+ cifras oficiales / official figures:")
        call_command("figures", "load", stdout=self.stdout)

        counts = demo.demo_counts()
        url = f"http://127.0.0.1:{port}/"
        say("")
        say("=" * 72)
        say("Ñandutí — DEMOSTRACIÓN CON DATOS SINTÉTICOS / DEMO WITH SYNTHETIC DATA")
        say(
            f"casos / cases: {counts['cases']}   víctimas / victims: {counts['victims']}   "
            f"instituciones con casos / institutions with cases: {counts['institutions']}"
        )
        if linked is not None:
            say(
                f"personas únicas (enlace #{linked.pk}) / unique persons (linkage run "
                f"#{linked.pk}): {linked.persons}"
            )
        say(
            "Usuarios (contraseñas fijas, solo para esta demo local) / "
            "users (fixed passwords, for this local demo only):"
        )
        for username, password, role, institution in users:
            where = f" @ {institution}" if institution else ""
            say(f"  {username:<18} {password:<24} {role}{where}")
        say(f"URL: {url}")
        say("=" * 72)
        if no_serve:
            return
        # runserver serves the apps' static files itself while DEBUG is on (development).
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
