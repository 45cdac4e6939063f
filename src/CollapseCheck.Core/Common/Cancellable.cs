namespace CollapseCheck.Common;

public static class Cancellable
{
    /// <summary>
    /// The items, checking for cancellation before every <paramref name="every"/>th: passes over a whole corpus take
    /// seconds, and Ctrl+C should not have to wait for one to end.
    /// </summary>
    public static IEnumerable<T> CheckingEvery<T>(this IEnumerable<T> items, CancellationToken cancellation, int every = 256)
    {
        var i = 0;
        foreach (var item in items)
        {
            if (i++ % every == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            yield return item;
        }
    }
}
