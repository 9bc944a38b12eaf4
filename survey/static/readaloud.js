/* "Read aloud" for a question and its options, where the phone's browser has a voice for the
   page's language. Progressive enhancement: the buttons are hidden until this script finds
   such a voice, so without JavaScript or without a voice the page is exactly as before.
   A static file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) {
    return;
  }
  var language = (document.documentElement.getAttribute("lang") || "da").toLowerCase();

  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i += 1) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === lang) {
        return voices[i];
      }
    }
    return null;
  }

  function textOf(question) {
    // The question, its help text and its options, read in the order they are shown.
    var parts = [];
    var nodes = question.querySelectorAll(".question-text, .form-label, .form-hint, label");
    for (var i = 0; i < nodes.length; i += 1) {
      var text = nodes[i].textContent.replace(/\s+/g, " ").trim();
      if (text && parts.indexOf(text) === -1) {
        parts.push(text);
      }
    }
    return parts.join(". ");
  }

  function enable() {
    var voice = voiceFor(language);
    if (!voice) {
      return;
    }
    var buttons = document.querySelectorAll("button.read-aloud");
    for (var i = 0; i < buttons.length; i += 1) {
      var button = buttons[i];
      if (!button.hidden) {
        continue;
      }
      button.hidden = false;
      button.addEventListener("click", function (event) {
        var question = event.currentTarget.closest(".question");
        if (!question) {
          return;
        }
        window.speechSynthesis.cancel();
        var utterance = new SpeechSynthesisUtterance(textOf(question));
        utterance.lang = voice.lang;  // the browser picks its voice for this language
        window.speechSynthesis.speak(utterance);
      });
    }
  }

  enable();
  // Voices often arrive a moment after the page has loaded.
  window.speechSynthesis.addEventListener("voiceschanged", enable);
})();
