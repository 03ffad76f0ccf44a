"""Voila, with crmkit's login and kernel owners built in (not options a command line could drop)."""

from __future__ import annotations

from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from .identity import CrmkitIdentityProvider
from .kernels import OwnedKernelManager, OwnerOnlyAuthorizer, OwnerShutdownHandler, note_launching_user


class CrmkitVoila(Voila):
    def init_settings(self):
        self.identity_provider_class = CrmkitIdentityProvider
        self.authorizer_class = OwnerOnlyAuthorizer
        self.voila_configuration.multi_kernel_manager_class = OwnedKernelManager
        self.voila_configuration.prelaunch_hook = note_launching_user
        # a pre-heated kernel would start before anyone logs in, for nobody
        self.voila_configuration.preheat_kernel = False
        import crmkit.store  # noqa: F401 - loaded now, not by the first login (pandas, SQLAlchemy: seconds)

        return super().init_settings()

    def init_handlers(self):
        return [(pattern, OwnerShutdownHandler, *rest) if handler is VoilaShutdownKernelHandler
                else (pattern, handler, *rest) for pattern, handler, *rest in super().init_handlers()]


def main(argv=None) -> None:
    CrmkitVoila.launch_instance(argv)
