from tfinterop.cli.main import main

raise SystemExit(main())
