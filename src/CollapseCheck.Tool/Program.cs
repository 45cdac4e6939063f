using CollapseCheck.Native;
using CollapseCheck.Tool;

NativeHeap.KeepFreedBuffers(Environment.GetEnvironmentVariable);
return Cli.Invoke(args);
