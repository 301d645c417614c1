import sys

from voiceclose.evaluate.scoring import main

sys.exit(main())
