"""The one exception type the CLI turns into a single line on stderr.

Raise ``UserError`` for anything a user can fix (bad input file, unreachable
server, unknown option value). The message must be one line that says what
went wrong and, where possible, what to do. ``exit_code`` is what ``dsr``
exits with.
"""


class UserError(Exception):
    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
