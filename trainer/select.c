/* Model selection over epochs (issue #15): which epoch's weights are
 * exported. The default is the lowest validation loss with ties going to
 * the later epoch: accuracy on a small validation split saturates within a
 * few epochs (99.5-100 %), and "the first epoch that reaches the best
 * accuracy" then exported epoch 1 of 30; the loss keeps ranking epochs
 * after the accuracy has saturated. */
#include <math.h>

#include "aimc/train.h"

int aimc_train_select_better(int kind, double loss, double acc,
                             double best_loss, double best_acc) {
  switch (kind) {
    case AIMC_SELECT_LAST:
      return 1;
    case AIMC_SELECT_ACC:
      if (isnan(acc)) return 0;
      if (isnan(best_acc) || acc > best_acc) return 1;
      if (acc < best_acc) return 0;
      return !isnan(loss) && (isnan(best_loss) || loss <= best_loss);
    default: /* AIMC_SELECT_LOSS */
      if (isnan(loss)) return 0;
      return isnan(best_loss) || loss <= best_loss;
  }
}

int aimc_train_select_epoch(int kind, const double *val_loss,
                            const double *val_acc, const int *eligible, int n) {
  int best = -1;
  for (int i = 0; i < n; i++) {
    if (eligible && !eligible[i]) continue;
    double bl = best < 0 ? NAN : val_loss[best],
           ba = best < 0 ? NAN : val_acc[best];
    if (aimc_train_select_better(kind, val_loss[i], val_acc[i], bl, ba))
      best = i;
  }
  return best;
}
