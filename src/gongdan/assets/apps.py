from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "gongdan.assets"
    verbose_name = _("Assets and locations")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.assets.navigation import SECTIONS

        register_sections(SECTIONS)

        from gongdan.assets.documents import AUDIT_ADD, AUDIT_DELETE
        from gongdan.assets.register_transfer import AUDIT_IMPORT
        from gongdan.audit.kinds import register_kind

        register_kind(AUDIT_IMPORT, _("Equipment register imported"))
        register_kind(AUDIT_ADD, _("Asset document added"))
        register_kind(AUDIT_DELETE, _("Asset document deleted"))

        from gongdan.assets.services import asset_custom_values_reseal
        from gongdan.core.encrypted_stores import EncryptedStore, register_encrypted_store

        register_encrypted_store(
            EncryptedStore(label="assets.Asset (sensitive custom values)", rotate=asset_custom_values_reseal)
        )
