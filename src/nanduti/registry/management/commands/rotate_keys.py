from django.core.management.base import BaseCommand

from nanduti.registry.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Vuelve a cifrar los datos identificatorios con la clave más nueva de NANDUTI_FIELD_KEYS / "
        "re-encrypts identifying data with the newest key of NANDUTI_FIELD_KEYS"
    )

    def handle(self, *args, **options):
        counts = rotate_all()
        for model, count in counts.items():
            self.stdout.write(f"{model}: {count}")
        self.stdout.write(f"rotated {sum(counts.values())} values / valores recifrados")
