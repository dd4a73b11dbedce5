import sys

from resque_core.cli import main

sys.exit(main())
