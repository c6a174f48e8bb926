namespace LiaisonNet.Directory.Names;

/// <summary>Levenshtein distance with a ceiling, so that hopeless comparisons stop early.</summary>
public static class EditDistance
{
    /// <summary>The distance between a and b, or max + 1 as soon as it is known to exceed max.</summary>
    public static int Bounded(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max)
        {
            return max + 1;
        }

        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin > max)
            {
                return max + 1;
            }

            current.CopyTo(previous);
        }

        return previous[b.Length];
    }

    /// <summary>Typo tolerance by word length: none for two letters, one edit up to five, two beyond.</summary>
    public static int AllowedFor(string word) => word.Length switch
    {
        <= 2 => 0,
        <= 5 => 1,
        _ => 2,
    };
}
