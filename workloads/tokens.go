package workloads

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ApproxTokens estimates the token count of text without a tokenizer: each
// whitespace-separated word counts 1 token plus 1 per further 6 characters.
// Common English words of up to six letters are one token in the BPE
// vocabularies of current models (cl100k, o200k, Llama 3), so text built from
// Words counts exactly; other text is an estimate. The built-in engine counts
// prompts with it, and bench falls back on it (flagged "estimate") when a
// server reports no usage.
func ApproxTokens(text string) int {
	n := 0
	start := -1
	for i, r := range text {
		if unicode.IsSpace(r) {
			if start >= 0 {
				n += wordTokens(text[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		n += wordTokens(text[start:])
	}
	return n
}

func wordTokens(w string) int { return 1 + (utf8.RuneCountInString(w)-1)/6 }

// Words are common English words of at most six letters, each one token in
// current BPE vocabularies when preceded by a space. Synthetic prompts and the
// built-in engine's output are drawn from them.
var Words = shortWords(commonWords)

func shortWords(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(text) {
		if utf8.RuneCountInString(w) <= 6 && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

const commonWords = `
the of and to in is was for that with as on be at by this had not are but from
or have an they which one you were her all she there would their we him been has
when who will more no if out so said what up its about into than them can only
other new some could time these two may then do first any my now such like our
over man me even most made after also did many before must through back years
where much your way well down should because each just those people how too
little state good very make world still own see men work long get here between
both life being under never day same another know while last might us great old
year off come since against go came right used take three states himself few
house use during without again place around however home small found thought
went say part once high upon every does got united left number course war until
always away fact water though less public put think almost hand enough far took
head yet system better set told nothing night end why called didn eyes find going
look asked later knew point next city give group toward young days let room
president side social given present order national second possible rather per
face among form often early white case john become large big need four within felt
along children saw best church ever least power light thing seemed family
interest want members mind country area others done turned although open god
service certain kind problem began different door thus help sense means whole
matter perhaps itself york times law human line above name example action
company hands local show whether five history gave today either act feet across
taken past quite anything seen having death week body word half really field car
words already themselves information tell together college shall money period
held keep sure free seems real behind cannot miss political air question making
office brought whose special heard major problems ago became federal moment study
available known result street economic boy position reason change south board
individual job society areas west close turn love community true court force full
`
