using CollapseCheck.Tool;

return Cli.Invoke(args);
