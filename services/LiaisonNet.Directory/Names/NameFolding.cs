using System.Globalization;
using System.Text;

namespace LiaisonNet.Directory.Names;

/// <summary>
/// Reduces a name in any of the region's scripts and romanisations to one Latin skeleton, so that
/// "Саттарханов", "Sattarkhanov" and "Sattarhanov" meet. Cyrillic (Russian, Kazakh, Kyrgyz, Tajik) is transliterated,
/// the national Latin alphabets lose their diacritics, and the spellings the standards disagree on are merged
/// (kh/h/x, zh/j/dzh, q/k, gh/g, ye/e, y/i, doubled letters). Dari and Pashto (Perso-Arabic script) are transliterated
/// too; as that script leaves short vowels unwritten, such names also meet Latin ones on their consonants
/// (<see cref="Consonants"/>).
/// </summary>
public static class NameFolding
{
    private static readonly Dictionary<char, string> Letters = new()
    {
        // Russian Cyrillic
        ['а'] = "a", ['б'] = "b", ['в'] = "v", ['г'] = "g", ['д'] = "d", ['е'] = "e", ['ё'] = "yo", ['ж'] = "zh", ['з'] = "z",
        ['и'] = "i", ['й'] = "y", ['к'] = "k", ['л'] = "l", ['м'] = "m", ['н'] = "n", ['о'] = "o", ['п'] = "p", ['р'] = "r",
        ['с'] = "s", ['т'] = "t", ['у'] = "u", ['ф'] = "f", ['х'] = "kh", ['ц'] = "ts", ['ч'] = "ch", ['ш'] = "sh", ['щ'] = "shch",
        ['ъ'] = "", ['ы'] = "y", ['ь'] = "", ['э'] = "e", ['ю'] = "yu", ['я'] = "ya",
        // Kazakh, Kyrgyz, Tajik additions
        ['ә'] = "a", ['ғ'] = "gh", ['қ'] = "q", ['ң'] = "ng", ['ө'] = "o", ['ұ'] = "u", ['ү'] = "u", ['һ'] = "h", ['і'] = "i",
        ['ӣ'] = "i", ['ӯ'] = "u", ['ҳ'] = "h", ['ҷ'] = "j", ['ў'] = "u",
        // National Latin alphabets (Turkmen, Uzbek, Kazakh 2021) and common diacritics
        ['ş'] = "sh", ['ç'] = "ch", ['ž'] = "zh", ['ý'] = "y", ['ä'] = "a", ['ň'] = "n", ['ñ'] = "n", ['ö'] = "o", ['ü'] = "u",
        ['ğ'] = "g", ['ı'] = "i", ['ū'] = "u", ['é'] = "e", ['á'] = "a", ['ō'] = "o", ['č'] = "ch", ['š'] = "sh", ['ë'] = "e",
        ['í'] = "i", ['ó'] = "o", ['ú'] = "u", ['â'] = "a", ['î'] = "i", ['û'] = "u",
        // Dari and Pashto (Perso-Arabic script); long vowels are written, short ones are not.
        ['ا'] = "a", ['آ'] = "a", ['أ'] = "a", ['إ'] = "i", ['ب'] = "b", ['پ'] = "p", ['ت'] = "t", ['ټ'] = "t", ['ث'] = "s",
        ['ج'] = "j", ['چ'] = "ch", ['ح'] = "h", ['خ'] = "kh", ['څ'] = "ts", ['ځ'] = "dz", ['د'] = "d", ['ډ'] = "d", ['ذ'] = "z",
        ['ر'] = "r", ['ړ'] = "r", ['ز'] = "z", ['ژ'] = "zh", ['ږ'] = "zh", ['س'] = "s", ['ش'] = "sh", ['ښ'] = "sh", ['ص'] = "s",
        ['ض'] = "z", ['ط'] = "t", ['ظ'] = "z", ['ع'] = "", ['غ'] = "gh", ['ف'] = "f", ['ق'] = "q", ['ک'] = "k", ['ك'] = "k",
        ['ګ'] = "g", ['گ'] = "g", ['ل'] = "l", ['م'] = "m", ['ن'] = "n", ['ڼ'] = "n", ['و'] = "u", ['ه'] = "h", ['ة'] = "a",
        ['ی'] = "i", ['ي'] = "i", ['ې'] = "e", ['ۍ'] = "ai", ['ئ'] = "i", ['ء'] = "",
    };

    // Applied in order to the transliterated text: the longer spellings first.
    private static readonly (string From, string To)[] Merges =
    [
        ("shch", "sh"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("x", "h"), ("gh", "g"), ("q", "k"),
        ("ye", "e"), ("yo", "o"), ("yu", "u"), ("ts", "c"), ("ph", "f"), ("w", "v"), ("ng", "n"), ("y", "i"),
    ];

    private static readonly HashSet<char> Apostrophes = ['\'', 'ʻ', 'ʼ', '’', '‘', '`', '´'];

    /// <summary>The skeleton of each word of <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> FoldWords(string text) =>
        Words(text).Select(Fold).Where(w => w.Length > 0).ToList();

    /// <summary>Lower-case words, split on anything that is not a letter, digit or apostrophe.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormC).ToLower(CultureInfo.InvariantCulture))
        {
            if (char.IsLetterOrDigit(c) || Apostrophes.Contains(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    /// <summary>True when the word is written in Perso-Arabic script.</summary>
    public static bool IsArabicScript(string word) => word.Any(c => c is >= '\u0600' and <= '\u06FF');

    /// <summary>
    /// The skeleton without vowels (and without a final h, often a written vowel), for matching a name written in
    /// Perso-Arabic script, which leaves short vowels out, with its Latin forms: "احمدی" and "Ahmadi" both give "hmd".
    /// </summary>
    public static string Consonants(string folded)
    {
        var result = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            if (c is not ('a' or 'e' or 'i' or 'o' or 'u' or 'v') && (result.Length == 0 || result[^1] != c))
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>The skeleton of one word.</summary>
    public static string Fold(string word)
    {
        var latin = new StringBuilder(word.Length + 4);
        foreach (var c in word.ToLower(CultureInfo.InvariantCulture))
        {
            if (Apostrophes.Contains(c))
            {
                continue;
            }

            if (Letters.TryGetValue(c, out var mapped))
            {
                latin.Append(mapped);
            }
            else if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                latin.Append(c);
            }
            else if (char.IsLetter(c))
            {
                latin.Append(StripDiacritics(c));
            }
        }

        var text = latin.ToString();
        foreach (var (from, to) in Merges)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        return CollapseDoubles(text);
    }

    private static string StripDiacritics(char c)
    {
        var decomposed = c.ToString().Normalize(NormalizationForm.FormD);
        return new string(decomposed.Where(d => CharUnicodeInfo.GetUnicodeCategory(d) != UnicodeCategory.NonSpacingMark).ToArray());
    }

    private static string CollapseDoubles(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (result.Length == 0 || result[^1] != c)
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
