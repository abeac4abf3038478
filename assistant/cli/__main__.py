"""`python -m assistant.cli`: the `qa-assistant` command."""

import sys

from assistant.cli.main import main

sys.exit(main())
