// Placeholder entry point until the CLI verbs land (helper "actors" owns src/Cli).
return 0;
