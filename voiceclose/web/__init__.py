"""The local web app: the same use cases as the command line (app/), served to a browser on this
machine only. ``server`` builds and runs it; ``security`` keeps it to the person who started it;
``api`` holds the routes; ``uploads`` streams files to disk; ``session`` runs one practice."""
