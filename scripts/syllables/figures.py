# Mean token per synthesiser and class, and example spectrograms with the detected onset (see README.md).
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from syllable_features import *
root, outdir = sys.argv[1], sys.argv[2]
import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
C=corpus(root+'/espeak')+corpus(root+'/fest')+corpus(root+'/flite')
G=['espeak','diphone','hts','clunits','flite']
fig,ax=plt.subplots(3,5,figsize=(15,8))
for j,g in enumerate(G):
    for l in range(3):
        T=np.mean([token(x)[0] for v,ll,s,x in C if group(v)==g and ll==l],0)
        ax[l,j].imshow(T,origin='lower',aspect='auto',cmap='magma'); ax[l,j].set_title(f'{g} /{"bdg"[l]}/')
plt.tight_layout(); plt.savefig(outdir+'/mean-tokens.png',dpi=60)
# example raw spectrograms: 'da' for one voice of each group
fig,ax=plt.subplots(3,5,figsize=(15,8))
for j,g in enumerate(G):
    vs=sorted({v for v,l,s,x in C if group(v)==g})
    for i,syl in enumerate(['ba','da','ga']):
        x=[x for v,l,s,x in C if v==vs[len(vs)//3] and s==syl][0]
        P=power(x); M=np.log(P@FB.T+1e-3); o=onset(P)
        ax[i,j].imshow(M.T,origin='lower',aspect='auto',cmap='magma'); ax[i,j].axvline(o,color='c'); ax[i,j].axvline(o-5,color='w',ls='--'); ax[i,j].axvline(o+10,color='w',ls='--')
        ax[i,j].set_title(f'{vs[len(vs)//3][:24]} {syl}',fontsize=8)
plt.tight_layout(); plt.savefig(outdir+'/examples.png',dpi=60)
