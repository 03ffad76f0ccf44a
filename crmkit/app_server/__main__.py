"""``python -m crmkit.app_server VOILA-OPTIONS… NOTEBOOK``: what ``crmkit app`` runs."""

from .voila_app import main

if __name__ == "__main__":
    main()
