using LiaisonNet.Directory.Names;

namespace LiaisonNet.Directory.Search;

public enum MatchQuality
{
    Exact = 1,
    Variant = 2,
    Fuzzy = 3,
}

public sealed record SearchHit(OfficerRecord Officer, MatchQuality Quality, int Distance);

public sealed record SearchFilter(string? Country, string? Agency);

/// <summary>
/// In-memory search over officers by name in any script or romanisation, agency or posting, with typo tolerance.
/// Every query word must match some word of the officer; the officer ranks by the weakest of those matches
/// (exact, then variant spelling, then fuzzy), then by total edit distance, then by name.
/// </summary>
public sealed class OfficerIndex
{
    private volatile IReadOnlyList<Entry> _entries = [];
    private volatile IReadOnlyDictionary<string, OfficerRecord> _byId = new Dictionary<string, OfficerRecord>();

    public void Load(IEnumerable<OfficerRecord> officers)
    {
        var entries = officers.Select(o => new Entry(o, Terms(o))).ToList();
        _byId = entries.ToDictionary(e => e.Officer.Id, e => e.Officer, StringComparer.Ordinal);
        _entries = entries;
    }

    public int Count => _entries.Count;

    public OfficerRecord? Find(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<SearchHit> Search(string query, SearchFilter filter)
    {
        var words = NameFolding.Words(query).Select(w => new QueryWord(w, NameFolding.Fold(w))).Where(w => w.Folded.Length > 0).ToList();
        if (words.Count == 0)
        {
            return [];
        }

        var hits = new List<SearchHit>();
        foreach (var entry in _entries)
        {
            if ((filter.Country is { } country && entry.Officer.Country != country) || (filter.Agency is { } agency && entry.Officer.Agency != agency))
            {
                continue;
            }

            if (Match(words, entry.Terms) is { } hit)
            {
                hits.Add(new SearchHit(entry.Officer, hit.Quality, hit.Distance));
            }
        }

        return hits.OrderBy(h => h.Quality).ThenBy(h => h.Distance).ThenBy(h => h.Officer.LatinName, StringComparer.Ordinal).ToList();
    }

    private static (MatchQuality Quality, int Distance)? Match(List<QueryWord> words, IReadOnlyList<Term> terms)
    {
        var worst = MatchQuality.Exact;
        var distance = 0;
        foreach (var word in words)
        {
            var best = (Quality: (MatchQuality)int.MaxValue, Distance: int.MaxValue);
            var allowed = EditDistance.AllowedFor(word.Folded);
            foreach (var term in terms)
            {
                var candidate = term.Raw == word.Raw ? (MatchQuality.Exact, 0)
                    : term.Folded == word.Folded || (word.Folded.Length >= 3 && term.Folded.StartsWith(word.Folded, StringComparison.Ordinal)) ? (MatchQuality.Variant, 0)
                    : EditDistance.Bounded(word.Folded, term.Folded, allowed) is var d && d <= allowed ? (MatchQuality.Fuzzy, d)
                    : ((MatchQuality)int.MaxValue, int.MaxValue);
                if (candidate.Item1 < best.Quality || (candidate.Item1 == best.Quality && candidate.Item2 < best.Distance))
                {
                    best = candidate;
                }
            }

            if (best.Distance == int.MaxValue)
            {
                return null;
            }

            worst = best.Quality > worst ? best.Quality : worst;
            distance += best.Distance;
        }

        return (worst, distance);
    }

    private static List<Term> Terms(OfficerRecord officer) =>
        officer.AllNames.Append(officer.Posting).Append(officer.AgencyName).Append(officer.Agency).Concat(officer.Specialities)
            .SelectMany(NameFolding.Words)
            .Distinct(StringComparer.Ordinal)
            .Select(w => new Term(w, NameFolding.Fold(w)))
            .Where(t => t.Folded.Length > 0)
            .ToList();

    private sealed record Entry(OfficerRecord Officer, IReadOnlyList<Term> Terms);

    private sealed record Term(string Raw, string Folded);

    private sealed record QueryWord(string Raw, string Folded);
}
