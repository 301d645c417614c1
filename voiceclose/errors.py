"""The errors a user can cause. The CLI turns each into one clean line and an exit status."""


class VoicecloseError(Exception):
    """Base class: something the user can fix, described in one line."""


class InputError(VoicecloseError):
    """One input (file, directory, transcript) cannot be checked; the others still can."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class ModelUnavailable(VoicecloseError):
    """The requested Whisper model cannot be loaded; the message says what to install or where."""


class UsageError(VoicecloseError):
    """The command line asks for something that cannot work."""


class DeviceError(VoicecloseError):
    """The microphone cannot be used: none, not found, gone, or PortAudio missing."""


class ScenarioError(VoicecloseError):
    """A practice scenario is unknown or its file is malformed."""


class HistoryError(VoicecloseError):
    """The history database cannot be used: unreadable, read-only, or from a newer voiceclose."""


class AttemptNotFound(HistoryError):
    """No attempt in the history has the id asked for."""


class OutputError(VoicecloseError):
    """A file voiceclose was asked to write (--html, --csv) cannot be written."""
