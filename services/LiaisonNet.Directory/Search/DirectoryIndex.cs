using LiaisonNet.Directory.Duty;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Names;
using NodaTime;

namespace LiaisonNet.Directory.Search;

public enum MatchQuality
{
    Exact = 1,
    Variant = 2,
    Fuzzy = 3,
}

public sealed record SearchHit(OfficerRecord Officer, MatchQuality Quality, int Distance, IReadOnlyList<string> OnDutyAt);

/// <summary>
/// What a search is narrowed to. <paramref name="ViewerCountry"/> is the searcher's country: words found only in an
/// officer's fields restricted to their country (the unit's names) match only for a searcher of that country.
/// </summary>
public sealed record SearchFilter(
    string? Country = null, string? Agency = null, string? Centre = null, string? CrossingPoint = null,
    string? Speciality = null, string? Language = null, bool OnDutyNow = false, bool OnDutyFirst = false, string? ViewerCountry = null);

/// <summary>
/// The directory in memory: officers, desks and places, with an inverted index over every word an officer can be found
/// by (names in every script and spelling, agency, posting, centre, crossing point, specialities). A query word matches
/// a term exactly, as the same skeleton or a prefix of one (variant), or within one or two edits of it (fuzzy); every
/// query word must match. Officers rank by their weakest word match, then total edit distance, then name; on duty first
/// when asked. Loading builds a new snapshot; searches read whichever snapshot is current.
/// </summary>
public sealed class DirectoryIndex
{
    private volatile Snapshot _snapshot = Snapshot.Build([], [], [], [], [], []);
    private volatile DutyCache? _duty;

    public int Count => _snapshot.Officers.Length;

    public IReadOnlyList<OfficerRecord> Officers => _snapshot.Officers;

    public IReadOnlyList<DeskRecord> Desks => _snapshot.Desks;

    public IReadOnlyList<Place> Places => _snapshot.Places;

    public IReadOnlyList<Agency> Agencies => _snapshot.Agencies;

    public IReadOnlyList<Unit> Units => _snapshot.Units;

    public IReadOnlyList<SenderRecord> Senders => _snapshot.Senders;

    public void Load(IReadOnlyList<OfficerRecord> officers, IReadOnlyList<DeskRecord> desks, IReadOnlyList<Place> places, IReadOnlyList<Agency> agencies,
        IReadOnlyList<Unit>? units = null, IReadOnlyList<SenderRecord>? senders = null)
    {
        _snapshot = Snapshot.Build(officers, desks, places, agencies, units ?? [], senders ?? []);
        _duty = null;
    }

    public OfficerRecord? Find(string id) => _snapshot.OfficerById.TryGetValue(id, out var i) ? _snapshot.Officers[i] : null;

    public DeskRecord? FindDesk(string id) => _snapshot.DeskById.GetValueOrDefault(id);

    public Place? FindPlace(string id) => _snapshot.PlaceById.GetValueOrDefault(id);

    public Agency? FindAgency(string code) => _snapshot.AgencyByCode.GetValueOrDefault(code);

    public Unit? FindUnit(string id) => _snapshot.UnitById.GetValueOrDefault(id);

    public SenderRecord? FindSender(string id) => _snapshot.SenderById.GetValueOrDefault(id);

    /// <summary>Desks the officer staffs at <paramref name="now"/> (as primary or backup).</summary>
    public IReadOnlyList<string> OnDutyAt(string officerId, Instant now) => Duty(now).ByOfficer.GetValueOrDefault(officerId) ?? [];

    public IReadOnlyList<SearchHit> Search(string query, SearchFilter filter, Instant now, int limit)
    {
        var snapshot = _snapshot;
        var words = NameFolding.Words(query)
            .Select(w => (Raw: w, Folded: NameFolding.Fold(w), Arabic: NameFolding.IsArabicScript(w)))
            .Where(w => w.Folded.Length > 0)
            .Distinct()
            .ToList();
        if (words.Count == 0)
        {
            return [];
        }

        var matches = new List<Dictionary<int, (MatchQuality Quality, int Distance)>>();
        foreach (var word in words)
        {
            var terms = snapshot.MatchTerms(word.Raw, word.Folded, word.Arabic);
            if (terms.Count == 0)
            {
                return [];
            }

            matches.Add(terms);
        }

        // Start from the word with the fewest officers behind it; check the others on those candidates only.
        matches.Sort((a, b) => snapshot.Reach(a).CompareTo(snapshot.Reach(b)));
        var candidates = new Dictionary<int, (MatchQuality Quality, int Distance)>();
        foreach (var (term, match) in matches[0])
        {
            foreach (var officer in snapshot.TermOfficers[term])
            {
                if (snapshot.Hidden(officer, term, filter.ViewerCountry))
                {
                    continue;
                }

                if (!candidates.TryGetValue(officer, out var best) || Better(match, best))
                {
                    candidates[officer] = match;
                }
            }
        }

        var duty = filter.OnDutyNow || filter.OnDutyFirst ? Duty(now) : null;
        var hits = new List<SearchHit>();
        foreach (var (officerIndex, first) in candidates)
        {
            var officer = snapshot.Officers[officerIndex];
            if (!Passes(officer, filter, duty))
            {
                continue;
            }

            var worst = first.Quality;
            var distance = first.Distance;
            var matchedAll = true;
            for (var w = 1; w < matches.Count && matchedAll; w++)
            {
                (MatchQuality Quality, int Distance)? best = null;
                foreach (var term in snapshot.OfficerTerms[officerIndex])
                {
                    if (matches[w].TryGetValue(term, out var m) && (best is null || Better(m, best.Value)) && !snapshot.Hidden(officerIndex, term, filter.ViewerCountry))
                    {
                        best = m;
                    }
                }

                if (best is null)
                {
                    matchedAll = false;
                }
                else
                {
                    worst = best.Value.Quality > worst ? best.Value.Quality : worst;
                    distance += best.Value.Distance;
                }
            }

            if (matchedAll)
            {
                hits.Add(new SearchHit(officer, worst, distance, duty?.ByOfficer.GetValueOrDefault(officer.Id) ?? []));
            }
        }

        var ordered = filter.OnDutyFirst
            ? hits.OrderBy(h => h.OnDutyAt.Count == 0).ThenBy(h => h.Quality)
            : hits.OrderBy(h => h.Quality);
        return [.. ordered.ThenBy(h => h.Distance).ThenBy(h => h.Officer.LatinName, StringComparer.Ordinal)
            .ThenBy(h => h.Officer.Id, StringComparer.Ordinal).Take(limit)];
    }

    private static bool Better((MatchQuality Quality, int Distance) a, (MatchQuality Quality, int Distance) b) =>
        a.Quality < b.Quality || (a.Quality == b.Quality && a.Distance < b.Distance);

    private static bool Passes(OfficerRecord officer, SearchFilter filter, DutyCache? duty) =>
        (filter.Country is null || officer.Country == filter.Country)
        && (filter.Agency is null || officer.Agency == filter.Agency)
        && (filter.Centre is null || officer.Centre == filter.Centre)
        && (filter.CrossingPoint is null || officer.CrossingPoint == filter.CrossingPoint)
        && (filter.Speciality is null || officer.Specialities.Contains(filter.Speciality, StringComparer.OrdinalIgnoreCase))
        && (filter.Language is null || officer.Languages.Any(l => l.Language == filter.Language))
        && (!filter.OnDutyNow || duty!.ByOfficer.ContainsKey(officer.Id));

    /// <summary>Who is on duty where, worked out once a minute (shifts start and end on whole minutes).</summary>
    private DutyCache Duty(Instant now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        var snapshot = _snapshot;
        var cached = _duty;
        if (cached is not null && cached.Minute == minute && ReferenceEquals(cached.Snapshot, snapshot))
        {
            return cached;
        }

        var byOfficer = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var desk in snapshot.Desks)
        {
            if (RosterClock.OnDuty(desk, now) is not { } onDuty)
            {
                continue;
            }

            foreach (var officer in new[] { onDuty.Shift.Primary, onDuty.Shift.Backup })
            {
                if (officer is null)
                {
                    continue;
                }

                if (!byOfficer.TryGetValue(officer, out var list))
                {
                    byOfficer[officer] = list = [];
                }

                list.Add(desk.Id);
            }
        }

        var fresh = new DutyCache(minute, snapshot, byOfficer.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal));
        _duty = fresh;
        return fresh;
    }

    private sealed record DutyCache(long Minute, Snapshot Snapshot, Dictionary<string, IReadOnlyList<string>> ByOfficer);

    private sealed class Snapshot
    {
        public required OfficerRecord[] Officers { get; init; }
        public required Dictionary<string, int> OfficerById { get; init; }
        public required IReadOnlyList<DeskRecord> Desks { get; init; }
        public required Dictionary<string, DeskRecord> DeskById { get; init; }
        public required IReadOnlyList<Place> Places { get; init; }
        public required Dictionary<string, Place> PlaceById { get; init; }
        public required IReadOnlyList<Agency> Agencies { get; init; }
        public required Dictionary<string, Agency> AgencyByCode { get; init; }
        public required IReadOnlyList<Unit> Units { get; init; }
        public required Dictionary<string, Unit> UnitById { get; init; }
        public required IReadOnlyList<SenderRecord> Senders { get; init; }
        public required Dictionary<string, SenderRecord> SenderById { get; init; }

        // The vocabulary: one term per distinct lower-case word, with the officers it leads to.
        public required bool[] TermArabic { get; init; }
        public required int[][] TermOfficers { get; init; }
        public required int[][] OfficerTerms { get; init; }
        /// <summary>Per officer, the sorted terms found only in fields restricted to the officer's country.</summary>
        public required int[][] OfficerCountryTerms { get; init; }
        public required Dictionary<string, int> TermByRaw { get; init; }
        public required Dictionary<string, int[]> TermsByFolded { get; init; }
        public required Dictionary<string, int[]> TermsByConsonants { get; init; }
        public required string[] SortedFolded { get; init; }
        public required int[][] TermsBySortedFolded { get; init; }
        public required int[][] FoldedByLength { get; init; }

        public long Reach(Dictionary<int, (MatchQuality, int)> terms) => terms.Keys.Sum(t => (long)TermOfficers[t].Length);

        /// <summary>True when the term leads to the officer only through a field the viewer's country may not see.</summary>
        public bool Hidden(int officer, int term, string? viewerCountry) =>
            OfficerCountryTerms[officer].Length > 0 && viewerCountry != Officers[officer].Country && Array.BinarySearch(OfficerCountryTerms[officer], term) >= 0;

        public Dictionary<int, (MatchQuality Quality, int Distance)> MatchTerms(string raw, string folded, bool arabic)
        {
            var result = new Dictionary<int, (MatchQuality Quality, int Distance)>();
            void Offer(int term, MatchQuality quality, int distance)
            {
                if (!result.TryGetValue(term, out var existing) || Better((quality, distance), existing))
                {
                    result[term] = (quality, distance);
                }
            }

            if (TermByRaw.TryGetValue(raw, out var exact))
            {
                Offer(exact, MatchQuality.Exact, 0);
            }

            if (TermsByFolded.TryGetValue(folded, out var same))
            {
                foreach (var term in same)
                {
                    Offer(term, MatchQuality.Variant, 0);
                }
            }

            if (folded.Length >= 3)
            {
                // Every skeleton starting with the word: a binary search to the first, then forward.
                var i = Array.BinarySearch(SortedFolded, folded, StringComparer.Ordinal);
                for (i = i < 0 ? ~i : i; i < SortedFolded.Length && SortedFolded[i].StartsWith(folded, StringComparison.Ordinal); i++)
                {
                    foreach (var term in TermsBySortedFolded[i])
                    {
                        Offer(term, MatchQuality.Variant, 0);
                    }
                }
            }

            // Names in Perso-Arabic script meet their Latin forms on the consonants.
            var consonants = NameFolding.Consonants(folded);
            if (consonants.Length >= 2 && TermsByConsonants.TryGetValue(consonants, out var sameConsonants))
            {
                foreach (var term in sameConsonants)
                {
                    if (arabic || TermArabic[term])
                    {
                        Offer(term, MatchQuality.Variant, 0);
                    }
                }
            }

            var allowed = EditDistance.AllowedFor(folded);
            if (allowed > 0)
            {
                for (var length = Math.Max(1, folded.Length - allowed); length <= folded.Length + allowed && length < FoldedByLength.Length; length++)
                {
                    foreach (var sortedIndex in FoldedByLength[length])
                    {
                        var distance = EditDistance.Bounded(folded, SortedFolded[sortedIndex], allowed);
                        if (distance <= allowed && distance > 0)
                        {
                            foreach (var term in TermsBySortedFolded[sortedIndex])
                            {
                                Offer(term, MatchQuality.Fuzzy, distance);
                            }
                        }
                    }
                }
            }

            return result;
        }

        public static Snapshot Build(IReadOnlyList<OfficerRecord> officers, IReadOnlyList<DeskRecord> desks, IReadOnlyList<Place> places, IReadOnlyList<Agency> agencies,
            IReadOnlyList<Unit> units, IReadOnlyList<SenderRecord> senders)
        {
            var placeById = places.ToDictionary(p => p.Id, StringComparer.Ordinal);
            var unitById = units.ToDictionary(u => u.Id, StringComparer.Ordinal);
            var agencyByCode = agencies.ToDictionary(a => a.Code, StringComparer.Ordinal);
            var termByRaw = new Dictionary<string, int>(StringComparer.Ordinal);
            var raws = new List<string>();
            var termOfficers = new List<List<int>>();
            var ordered = officers.ToArray();
            var officerTerms = new int[ordered.Length][];
            var officerCountryTerms = new int[ordered.Length][];
            int TermOf(string word)
            {
                if (!termByRaw.TryGetValue(word, out var term))
                {
                    term = raws.Count;
                    termByRaw[word] = term;
                    raws.Add(word);
                    termOfficers.Add([]);
                }

                return term;
            }

            for (var o = 0; o < ordered.Length; o++)
            {
                var mine = new HashSet<int>();
                foreach (var word in Texts(ordered[o], placeById, agencyByCode).SelectMany(NameFolding.Words))
                {
                    var term = TermOf(word);
                    if (mine.Add(term))
                    {
                        termOfficers[term].Add(o);
                    }
                }

                var countryOnly = new List<int>();
                foreach (var word in CountryTexts(ordered[o], unitById).SelectMany(NameFolding.Words))
                {
                    var term = TermOf(word);
                    if (mine.Add(term))
                    {
                        termOfficers[term].Add(o);
                        countryOnly.Add(term);
                    }
                }

                officerTerms[o] = [.. mine];
                countryOnly.Sort();
                officerCountryTerms[o] = [.. countryOnly];
            }

            var folded = raws.Select(NameFolding.Fold).ToArray();
            var consonants = folded.Select(NameFolding.Consonants).ToArray();
            var byFolded = Enumerable.Range(0, raws.Count).Where(t => folded[t].Length > 0).GroupBy(t => folded[t], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            var sortedFolded = byFolded.Keys.Order(StringComparer.Ordinal).ToArray();
            var byLength = new List<int>[(sortedFolded.Length == 0 ? 0 : sortedFolded.Max(f => f.Length)) + 1];
            for (var i = 0; i < byLength.Length; i++)
            {
                byLength[i] = [];
            }

            for (var i = 0; i < sortedFolded.Length; i++)
            {
                byLength[sortedFolded[i].Length].Add(i);
            }

            return new Snapshot
            {
                Officers = ordered,
                OfficerById = Enumerable.Range(0, ordered.Length).ToDictionary(i => ordered[i].Id, StringComparer.Ordinal),
                Desks = desks,
                DeskById = desks.ToDictionary(d => d.Id, StringComparer.Ordinal),
                Places = places,
                PlaceById = placeById,
                Agencies = agencies,
                AgencyByCode = agencyByCode,
                Units = units,
                UnitById = unitById,
                Senders = senders,
                SenderById = senders.ToDictionary(s => s.Id, StringComparer.Ordinal),
                TermArabic = [.. raws.Select(NameFolding.IsArabicScript)],
                TermOfficers = [.. termOfficers.Select(l => l.ToArray())],
                OfficerTerms = officerTerms,
                OfficerCountryTerms = officerCountryTerms,
                TermByRaw = termByRaw,
                TermsByFolded = byFolded,
                TermsByConsonants = Enumerable.Range(0, raws.Count).Where(t => consonants[t].Length >= 2).GroupBy(t => consonants[t], StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
                SortedFolded = sortedFolded,
                TermsBySortedFolded = [.. sortedFolded.Select(f => byFolded[f])],
                FoldedByLength = [.. byLength.Select(l => l.ToArray())],
            };
        }

        /// <summary>What an officer can be found by only from their own country: the names of their unit (their home unit).</summary>
        private static IEnumerable<string> CountryTexts(OfficerRecord officer, Dictionary<string, Unit> units)
        {
            if (officer.Unit is not null && units.TryGetValue(officer.Unit, out var unit))
            {
                yield return unit.Name;
                yield return unit.NativeName;
            }

            if (officer.RestrictedFields is { HomeUnit.Length: > 0 } restricted)
            {
                yield return restricted.HomeUnit;
            }
        }

        /// <summary>Everything anyone can find an officer by.</summary>
        private static IEnumerable<string> Texts(OfficerRecord officer, Dictionary<string, Place> places, Dictionary<string, Agency> agencies)
        {
            foreach (var name in officer.AllNames)
            {
                yield return name;
            }

            yield return officer.Agency;
            yield return officer.AgencyName;
            if (agencies.TryGetValue(officer.Agency, out var agency))
            {
                yield return agency.NativeName;
            }

            yield return officer.Posting;
            foreach (var placeId in new[] { officer.Centre, officer.CrossingPoint })
            {
                if (placeId is not null && places.TryGetValue(placeId, out var place))
                {
                    yield return place.Name;
                    foreach (var variant in place.NameVariants)
                    {
                        yield return variant;
                    }
                }
            }

            foreach (var speciality in officer.Specialities)
            {
                yield return speciality;
            }
        }
    }
}
