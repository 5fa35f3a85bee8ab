"""``nanduti create-token USERNAME [--name NAME]``: prints a new API token once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from nanduti.api.tokens import create_token


class Command(BaseCommand):
    help = "Crea un token de API y lo muestra una sola vez / creates an API token, shown once"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="para qué se usa / what it is for")

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(
                f"No existe el usuario «{options['username']}» / no such user"
            ) from exc
        token, raw = create_token(user, options["name"])
        self.stderr.write(
            f"Token {token.prefix}… para / for {user.username}. Guárdelo: no se mostrará de nuevo"
            " / keep it: it will not be shown again."
        )
        self.stdout.write(raw)
