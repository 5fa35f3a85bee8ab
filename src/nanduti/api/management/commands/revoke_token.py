"""``nanduti revoke-token PREFIX|ID``: revokes an API token."""

from django.core.management.base import BaseCommand, CommandError

from nanduti.api.tokens import revoke


class Command(BaseCommand):
    help = "Revoca un token de API / revokes an API token"

    def add_arguments(self, parser):
        parser.add_argument("token", help="prefijo (ndt_xxxxxx) o id / prefix or id")

    def handle(self, *args, **options):
        if not revoke(options["token"]):
            raise CommandError("Ningún token activo coincide / no active token matches")
        self.stdout.write("Revocado / revoked")
