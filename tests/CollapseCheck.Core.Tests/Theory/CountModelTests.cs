using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class CountModelTests
{
    private const int Eod = 0;

    [Fact]
    public void Held_out_cross_entropy_scores_each_documents_end_as_the_evaluator_does()
    {
        // Bigram counts of [1, 1] and its end: 1 after the start, then 1 or the end after 1, once each.
        var model = new CountModel([[1, 1]], Eod, bigram: true);

        var nats = model.CrossEntropy([[1, 1]], vocabularySize: 2, delta: 0);

        // Three targets, p = 1, 1/2 and 1/2 for the end; leaving the end out would give ln 2 / 2 = 0.347.
        Assert.Equal(2 * Math.Log(2) / 3, nats, 12);
    }
}
