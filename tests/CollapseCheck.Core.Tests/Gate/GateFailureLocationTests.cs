using CollapseCheck.Diagnostics;
using CollapseCheck.Gate;
using CollapseCheck.Policy;
using CollapseCheck.Running;

namespace CollapseCheck.Core.Tests.Gate;

public class GateFailureLocationTests
{
    private static readonly GateFailure s_perGeneration = new("CC1001", "gate.tolerance", "held-out perplexity ×gen0 at generation 2 is …");

    [Fact]
    public void A_per_generation_failure_is_at_the_tolerance_or_the_gate_section_when_written()
    {
        var withTolerance = PolicyLoader.Parse("{\n  \"lineage\": { \"mode\": \"replace\" },\n  \"gate\": { \"seeds\": 2, \"tolerance\": 0.1 }\n}", "p.json");
        var withGate = PolicyLoader.Parse("{\n  \"lineage\": { \"mode\": \"replace\" },\n  \"gate\": { \"seeds\": 2 }\n}", "p.json");

        Assert.Equal(new SourceLocation("p.json", 3, 25), RunOutcome.LocationOf(withTolerance, s_perGeneration));
        Assert.Equal(new SourceLocation("p.json", 3, 3), RunOutcome.LocationOf(withGate, s_perGeneration));
    }

    [Fact]
    public void Without_a_gate_section_it_is_at_the_lineage_that_degraded_not_the_files_start()
    {
        var modeWritten = PolicyLoader.Parse("{\n  \"lineage\": { \"generations\": 3, \"mode\": \"replace\" }\n}", "p.json");
        var lineageWritten = PolicyLoader.Parse("{\n  \"lineage\": { \"generations\": 3 }\n}", "p.json");
        var neither = PolicyLoader.Parse("{\n  \"model\": { \"width\": 32 }\n}", "p.json");

        Assert.Equal(new SourceLocation("p.json", 2, 34), RunOutcome.LocationOf(modeWritten, s_perGeneration));
        Assert.Equal(new SourceLocation("p.json", 2, 3), RunOutcome.LocationOf(lineageWritten, s_perGeneration));
        Assert.Equal(new SourceLocation("p.json", 1, 1), RunOutcome.LocationOf(neither, s_perGeneration));
        Assert.Null(RunOutcome.LocationOf(PolicyLoader.Default, s_perGeneration));
    }
}
