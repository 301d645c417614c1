import sys

from voiceclose.cli import main

sys.exit(main())
