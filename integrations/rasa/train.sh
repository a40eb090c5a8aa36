#!/usr/bin/env bash
# Train and serve a Rasa 3.6 NLU server on the eldercare training data (optional backend).
#
#   integrations/rasa/train.sh            # export data, make the Rasa venv, train
#   integrations/rasa/train.sh serve      # then: rasa run --enable-api on 127.0.0.1:5005
#
# Rasa 3.6 needs Python < 3.11 (pyenv has 3.10.13 here) and installs ~2.7 GB (TensorFlow), so it
# lives in its own venv (.venv-rasa), never in the eldercare venv. Afterwards point eldercare at it:
#   ELDERCARE_NLU_BACKEND=rasa ELDERCARE_RASA_URL=http://127.0.0.1:5005 eldercare nlu parse
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build/rasa}
RASA_VENV=${RASA_VENV:-.venv-rasa}
PYTHON310=${PYTHON310:-$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python}

.venv/bin/python integrations/rasa/export.py "$BUILD"

if [ ! -x "$RASA_VENV/bin/rasa" ]; then
  "$PYTHON310" -m venv "$RASA_VENV"
  "$RASA_VENV/bin/pip" install -q -U pip
  "$RASA_VENV/bin/pip" install -q "rasa==3.6.20" jieba
fi

if [ "${1:-train}" = "serve" ]; then
  exec "$RASA_VENV/bin/rasa" run --enable-api --cors "*" -i 127.0.0.1 -p 5005 -m "$BUILD/models"
fi
cd "$BUILD"
"../../$RASA_VENV/bin/rasa" train nlu --config config.yml --nlu data/nlu.yml --out models --fixed-model-name eldercare-nlu
echo "trained: $BUILD/models/eldercare-nlu.tar.gz — run: integrations/rasa/train.sh serve"
