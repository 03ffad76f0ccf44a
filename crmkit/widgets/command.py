"""`crmkit app`: placeholder until the command is written (the CLI wires add_arguments and run)."""


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    raise NotImplementedError("not written yet")
