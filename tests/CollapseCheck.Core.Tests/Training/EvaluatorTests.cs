using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Core.Tests.Training;

public class EvaluatorTests
{
    private static readonly GptConfig s_config = new(VocabularySize: 30, Layers: 1, Width: 16, Heads: 2, Context: 8);

    public EvaluatorTests() => TorchNative.EnsureLoaded();

    /// <summary>
    /// Against each window scored on its own: 7 full windows in batches of 3 (two shards, a batch of 1 last) and a
    /// short last window of 4, so a batch that is not a view of the stream where it should be would show.
    /// </summary>
    [Fact]
    public void Every_token_is_scored_once_as_the_windows_scored_one_by_one_add_up()
    {
        using var model = new Gpt(s_config, seed: 5);
        var random = new Random(11);
        var documents = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 11).Select(_ => random.Next(29)).ToArray()).ToList();
        var stream = new TokenStream(documents, endOfDocumentId: 29);
        Assert.Equal(7 * 8 + 4 + 1, stream.Length);

        var result = Evaluator.Evaluate(model, stream, position => position % 3 + 1, CPU, batch: 3);

        double expected = 0;
        using (no_grad())
        {
            for (var start = 0; start + 1 < stream.Length; start += s_config.Context)
            {
                var length = Math.Min(s_config.Context, stream.Length - 1 - start);
                using var scope = NewDisposeScope();
                var window = tensor(stream.Ids.Skip(start).Take(length + 1).Select(i => (long)i).ToArray(), [1, length + 1]);
                var logits = model.forward(window.narrow(1, 0, length));
                expected += F.cross_entropy(logits.reshape(-1, s_config.VocabularySize), window.narrow(1, 1, length).reshape(-1), reduction: nn.Reduction.Sum).item<float>();
            }
        }

        Assert.Equal(stream.Length - 1, result.Tokens);
        Assert.Equal(Enumerable.Range(1, stream.Length - 1).Sum(position => position % 3 + 1), result.Bytes);
        Assert.Equal(expected, result.Nats, expected * 1e-5);
    }

    /// <summary>
    /// Bit for bit against the evaluator as it was before the stream went up once: the same batches built as fresh
    /// tensors, each loss read back on its own, summed in batch order. Two shards (batch 3), one batch per window
    /// (batch 1), and one shard holding every window (batch 32, the only path on a GPU).
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(32)]
    public void Nats_are_the_same_bits_as_batches_uploaded_and_read_one_by_one(int batch)
    {
        using var model = new Gpt(s_config, seed: 7);
        var random = new Random(batch);
        var documents = Enumerable.Range(0, 9).Select(_ => Enumerable.Range(0, random.Next(1, 14)).Select(_ => random.Next(29)).ToArray()).ToList();
        var stream = new TokenStream(documents, endOfDocumentId: 29);
        var ids = stream.Ids;
        var context = s_config.Context;

        var result = Evaluator.Evaluate(model, stream, _ => 1, CPU, batch);

        var starts = Enumerable.Range(0, (ids.Length - 2) / context + 1).Select(w => w * context).ToArray();
        double expected = 0;
        using (no_grad())
        {
            foreach (var group in starts.Chunk(batch).SelectMany(chunk => chunk.GroupBy(s => Math.Min(context, ids.Length - 1 - s))))
            {
                var (length, rows) = (group.Key, group.ToArray());
                using var scope = NewDisposeScope();
                var buffer = rows.SelectMany(r => ids.Skip(r).Take(length + 1)).Select(i => (long)i).ToArray();
                var t = tensor(buffer, [rows.Length, length + 1]);
                var logits = model.forward(t.narrow(1, 0, length));
                var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), t.narrow(1, 1, length).reshape(-1), reduction: nn.Reduction.Sum);
                expected += loss.to(ScalarType.Float64).item<double>();
            }
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(result.Nats));
        Assert.Equal(ids.Length - 1, result.Tokens);
    }

    [Fact]
    public void A_stream_with_nothing_to_predict_scores_nothing()
    {
        using var model = new Gpt(s_config, seed: 7);
        var result = Evaluator.Evaluate(model, new TokenStream([], endOfDocumentId: 29), _ => 1, CPU);
        Assert.Equal((0L, 0L), (result.Tokens, result.Bytes));
    }
}
