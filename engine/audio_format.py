"""The mix format every audio module shares, and the one error sound raises.

Owns: RATE and CHANNELS (the session mix is float32 stereo blocks at RATE, in session
order, from decoding through mixing to the sinks) and AudioError. Must not import any other
engine module, Panda3D or PyAV: the decode cache (engine/clip_audio.py), the sinks
(engine/audio_sinks.py, engine/audio_out.py) and the mixer (engine/audio.py) all import it.
"""

from __future__ import annotations

from content import sounds as bundled_sounds
from sim.errors import UserError

RATE = bundled_sounds.RATE  # samples a second, per channel
CHANNELS = 2


class AudioError(UserError, RuntimeError):
    """A sound that cannot be decoded or written; the message names the file."""
