"""Sound in and out: decoding files, speech detection, microphones, recording, playback."""
