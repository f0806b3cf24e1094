from dsr.cli import main

raise SystemExit(main())
