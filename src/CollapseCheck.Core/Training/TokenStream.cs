using static TorchSharp.torch;

namespace CollapseCheck.Training;

/// <summary>
/// Training or evaluation text as one id array: documents joined by the end-of-document id, which also opens the
/// stream, so every document follows one, as the sampler's documents do. Windows start anywhere and attend across
/// document boundaries (GPT-2's packing): a document's first token is usually predicted with the previous one in view.
/// </summary>
public sealed class TokenStream
{
    public TokenStream(IEnumerable<int[]> documents, int endOfDocumentId)
    {
        var ids = new List<int> { endOfDocumentId };
        foreach (var doc in documents)
        {
            ids.AddRange(doc);
            ids.Add(endOfDocumentId);
        }

        Ids = ids.ToArray();
    }

    public int[] Ids { get; }

    /// <summary>The ids as one int64 tensor on <paramref name="device"/>: uploaded once, then sliced on the device.</summary>
    public Tensor ToTensor(Device device) => tensor(Ids.Select(i => (long)i).ToArray(), device: device);

    public int Length => Ids.Length;
}
