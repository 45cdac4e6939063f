using CollapseCheck.Native;
using CollapseCheck.Tool;

_ = NativeHeap.KeepFreedBuffers(Environment.GetEnvironmentVariable);
return Cli.Invoke(args);
